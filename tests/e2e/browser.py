"""A tiny W3C WebDriver client for headless Chromium, over urllib.

The end-to-end tests look at the status page and the HTML report as a person
sees them: rendered text, computed colours, what the page loaded, the page
printed to PDF. selenium is not a dependency (PyPI may be unreachable);
chromedriver speaks the W3C protocol over plain HTTP, and these few calls are
all the tests need (https://www.w3.org/TR/webdriver2/).
"""

import base64
import contextlib
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM = Path("/usr/bin/chromium")
ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"  # the W3C web element identifier
START_TIMEOUT_S = 30
COMMAND_TIMEOUT_S = 60
# Headless, and as root in CI: Chromium's sandbox needs user namespaces that
# containers often lack; /dev/shm is small in them.
CHROME_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", "--no-default-browser-check", "--disable-extensions",
               "--disable-background-networking", "--window-size=1280,1024"]


class WebDriverError(Exception):
    pass


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Element:
    def __init__(self, browser, element_id):
        self.browser = browser
        self.id = element_id

    def _get(self, what):
        return self.browser.command("GET", f"/element/{self.id}/{what}")

    @property
    def text(self):
        """The rendered text: what the user sees (hidden parts left out)."""
        return self._get("text")

    def css(self, name):
        return self._get(f"css/{name}")

    def attribute(self, name):
        return self._get(f"attribute/{name}")

    def property(self, name):
        """The DOM property (an anchor's href resolved against the page's URL)."""
        return self._get(f"property/{name}")

    def rect(self):
        return self._get("rect")

    def displayed(self):
        return self._get("displayed")

    def click(self):
        self.browser.command("POST", f"/element/{self.id}/click", {})

    def find_all(self, css):
        found = self.browser.command("POST", f"/element/{self.id}/elements",
                                     {"using": "css selector", "value": css})
        return [Element(self.browser, e[ELEMENT_KEY]) for e in found]


class Browser:
    """chromedriver on a free loopback port and one session of headless Chromium."""

    def __init__(self, log_path):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._log = open(log_path, "ab")
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        self.proc = subprocess.Popen([str(CHROMEDRIVER), f"--port={self.port}"],
                                     stdout=self._log, stderr=subprocess.STDOUT, env=env)
        self.profile = tempfile.TemporaryDirectory(prefix="relinkd-chromium-")
        self.session = None
        try:
            self._wait_ready()
            capabilities = {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": str(CHROMIUM),
                                       "args": CHROME_ARGS + [f"--user-data-dir={self.profile.name}"]}}}
            self.session = self._call("POST", "/session", {"capabilities": capabilities})["sessionId"]
        except BaseException:
            self.close()
            raise

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json; charset=utf-8")
        try:
            with self._opener.open(request, timeout=COMMAND_TIMEOUT_S) as response:
                return json.loads(response.read())["value"]
        except urllib.error.HTTPError as e:
            detail = e.read().decode("utf-8", "replace")
            raise WebDriverError(f"{method} {path}: HTTP {e.code}: {detail[:2000]}") from None

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.proc.poll() is not None:
                raise WebDriverError(f"chromedriver exited with {self.proc.returncode}")
            try:
                if self._call("GET", "/status").get("ready"):
                    return
            except (OSError, WebDriverError):
                pass
            if time.monotonic() > deadline:
                raise WebDriverError(f"chromedriver not ready within {START_TIMEOUT_S}s")
            time.sleep(0.05)

    def command(self, method, path, body=None):
        return self._call(method, f"/session/{self.session}{path}", body)

    # ---- pages

    def get(self, url):
        self.command("POST", "/url", {"url": url})

    @property
    def url(self):
        return self.command("GET", "/url")

    @property
    def title(self):
        return self.command("GET", "/title")

    def find_all(self, css):
        found = self.command("POST", "/elements", {"using": "css selector", "value": css})
        return [Element(self, e[ELEMENT_KEY]) for e in found]

    def find(self, css):
        found = self.find_all(css)
        assert found, f"no element matches {css!r} on {self.url}"
        return found[0]

    def execute(self, script, *args):
        """Runs script (a function body) in the page; returns what it returns."""
        return self.command("POST", "/execute/sync", {"script": script, "args": list(args)})

    def resources(self):
        """Everything the page loaded besides itself (Performance API)."""
        return self.execute("return performance.getEntriesByType('resource').map(e => e.name);")

    def screenshot(self, path):
        Path(path).write_bytes(base64.b64decode(self.command("GET", "/screenshot")))
        return Path(path)

    def cdp(self, cmd, params=None):
        """A Chrome DevTools Protocol command, through chromedriver's passthrough."""
        return self.command("POST", "/goog/cdp/execute", {"cmd": cmd, "params": params or {}})

    @contextlib.contextmanager
    def printing(self, width, height):
        """The page laid out as printed: print media, and a viewport of the
        page's printable area in CSS px (the session is shared: undone after)."""
        self.cdp("Emulation.setEmulatedMedia", {"media": "print"})
        self.cdp("Emulation.setDeviceMetricsOverride",
                 {"width": round(width), "height": round(height), "deviceScaleFactor": 1, "mobile": False})
        try:
            yield
        finally:
            self.cdp("Emulation.clearDeviceMetricsOverride")
            self.cdp("Emulation.setEmulatedMedia", {"media": ""})

    def print_pdf(self, path):
        """The page printed as a person would print it: backgrounds on, on
        the paper its @page rule asks for (CDP, not W3C /print, which sets the
        paper itself and gives up on a long page after chromedriver's 10 s)."""
        pdf = self.cdp("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True})["data"]
        Path(path).write_bytes(base64.b64decode(pdf))
        return Path(path)

    def close(self):
        try:
            if self.session:
                self._call("DELETE", f"/session/{self.session}")
        except (OSError, WebDriverError):
            pass
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self._log.close()
            self.profile.cleanup()
