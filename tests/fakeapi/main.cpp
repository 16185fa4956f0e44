// relinkd-fakeapi: a fake of Atlassian's link-fixing API for the demo and
// the end-to-end tests (see PROTOCOL.md). Serves HTTP or HTTPS until
// SIGTERM or SIGINT.
//
// Threads: the main thread waits for signals; Poco's server threads (a
// pool of kMaxThreads, so a stalled request never blocks the others) answer
// requests.
#include "FakeHandler.h"
#include "FakeState.h"
#include "Options.h"

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>

namespace relinkd::fakeapi {
namespace {

// A connection holds a thread while it is kept alive: 128 leaves room for
// a preflight of a 64-site plan, which keeps one connection to each site.
constexpr int kMaxThreads = 128;
constexpr int kBacklog = 64;

// Bound without SO_REUSEPORT (which Poco's ServerSocket(address) sets), so
// that a port already in use is an error rather than a shared port.
std::unique_ptr<Poco::Net::ServerSocket> listenOn(const Options& options) {
  Poco::Net::SocketAddress address(options.host, options.port);
  std::unique_ptr<Poco::Net::ServerSocket> socket;
  if (options.tlsCert.empty()) {
    socket = std::make_unique<Poco::Net::ServerSocket>();
  } else {
    Poco::Net::Context::Ptr context = new Poco::Net::Context(
        Poco::Net::Context::TLS_SERVER_USE, options.tlsKey, options.tlsCert, "",
        Poco::Net::Context::VERIFY_NONE);
    context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    socket = std::make_unique<Poco::Net::SecureServerSocket>(context);
  }
  socket->bind(address, true, false);
  socket->listen(kBacklog);
  return socket;
}

// Written to a temporary file and renamed, so a reader never sees half a port.
void writePortFile(const std::string& path, unsigned port) {
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << port << "\n";
    if (!out.flush()) throw Poco::FileException("cannot write the port file", temporary);
  }
  Poco::File(temporary).renameTo(path);
}

std::string urlOf(const Options& options, unsigned port) {
  std::string host = options.host.find(':') == std::string::npos ? options.host
                                                                  : "[" + options.host + "]";
  return (options.tlsCert.empty() ? "http://" : "https://") + host + ":" + std::to_string(port);
}

Poco::Net::HTTPServerParams::Ptr serverParams() {
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(kMaxThreads);
  params->setMaxQueued(kBacklog);
  params->setKeepAlive(true);
  params->setServerName("relinkd-fakeapi");
  return params;
}

void waitForTermination(const sigset_t& signals) {
  int signal = 0;
  while (sigwait(&signals, &signal) != 0) {
  }
}

int serve(const Options& options, const sigset_t& signals) {
  FakeState state(options.settings);
  std::unique_ptr<Poco::Net::ServerSocket> socket = listenOn(options);
  Poco::ThreadPool pool("fakeapi", 2, kMaxThreads);
  Poco::Net::HTTPServer server(new FakeHandlerFactory(state, options.logRequests), pool, *socket,
                               serverParams());
  server.start();
  unsigned port = socket->address().port();
  if (!options.portFile.empty()) writePortFile(options.portFile, port);
  std::cout << "relinkd-fakeapi listening on " << urlOf(options, port) << std::endl;

  waitForTermination(signals);
  state.shutdown();      // wakes stalled requests
  server.stopAll(true);  // shuts down idle keep-alive connections
  pool.joinAll();
  return 0;
}

}  // namespace
}  // namespace relinkd::fakeapi

int main(int argc, char** argv) {
  using namespace relinkd::fakeapi;
  Options options;
  std::string error = parseOptions(argc, argv, options);
  if (!error.empty()) {
    std::cerr << "relinkd-fakeapi: " << error << "\n" << kUsage;
    return 2;
  }
  if (options.help) {
    std::cout << kUsage;
    return 0;
  }
  // Blocked before any thread starts, so only sigwait() sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  Poco::Net::initializeSSL();
  int status = 1;
  try {
    status = serve(options, signals);
  } catch (const Poco::Exception& e) {
    std::cerr << "relinkd-fakeapi: cannot start: " << e.displayText() << "\n";
  }
  Poco::Net::uninitializeSSL();
  return status;
}
