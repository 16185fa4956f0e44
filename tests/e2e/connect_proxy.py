"""A small HTTPS proxy for the end-to-end tests: it answers HTTP CONNECT
HOST:PORT by tunnelling to 127.0.0.1:PORT (the fake API), whatever HOST is
asked, so that sites such as https://s1.sites.test:PORT reach the fake with
their own names (TLS is end to end: the test CA's certificate covers
*.sites.test). It records every CONNECT target, in order.

Anything but CONNECT gets 405; a target without a port gets 400.
"""

import socket
import threading

_BUFFER = 65536


class ConnectProxy:
    def __init__(self):
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._targets = []
        self._stop = False
        self._threads = []
        self._accepter = threading.Thread(target=self._accept, daemon=True)
        self._accepter.start()

    def targets(self):
        """Every CONNECT target ("host:port") received, oldest first."""
        with self._lock:
            return list(self._targets)

    def close(self):
        self._stop = True
        self._accepter.join()
        self._server.close()
        for thread in list(self._threads):
            thread.join(timeout=5)

    def _accept(self):
        while not self._stop:
            try:
                client, _ = self._server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            with self._lock:
                self._threads.append(thread)
            thread.start()

    @staticmethod
    def _read_head(client):
        head = b""
        while b"\r\n\r\n" not in head:
            data = client.recv(4096)
            if not data:
                return None, b""
            head += data
        head, rest = head.split(b"\r\n\r\n", 1)
        return head.decode("latin-1"), rest

    def _serve(self, client):
        upstream = None
        try:
            client.settimeout(30)
            head, rest = self._read_head(client)
            if head is None:
                return
            method, target, _ = (head.split("\r\n")[0].split(" ") + ["", "", ""])[:3]
            if method != "CONNECT":
                client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            host, _, port = target.rpartition(":")
            if not host or not port.isdigit():
                client.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                return
            with self._lock:
                self._targets.append(target)
            upstream = socket.create_connection(("127.0.0.1", int(port)), timeout=30)
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if rest:
                upstream.sendall(rest)
            pump = threading.Thread(target=self._pump, args=(upstream, client), daemon=True)
            pump.start()
            self._pump(client, upstream)
            pump.join(timeout=30)
        except OSError:
            pass
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    try:
                        sock.close()
                    except OSError:
                        pass

    @staticmethod
    def _pump(source, sink):
        try:
            while True:
                data = source.recv(_BUFFER)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass
