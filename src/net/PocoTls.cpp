#include "PocoTls.h"

#include <csignal>
#include <mutex>
#include <stdexcept>

#include <openssl/ssl.h>

#include <Poco/File.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/VerificationErrorArgs.h>

#include "PocoErrors.h"

namespace relinkd {

namespace {

// Rejects every certificate that fails verification (never prompts) and
// records why on the handshaking thread, to explain the failure.
class RecordingRejectHandler : public Poco::Net::RejectCertificateHandler {
 public:
  RecordingRejectHandler() : RejectCertificateHandler(false) {}

  void onInvalidCertificate(const void* sender, Poco::Net::VerificationErrorArgs& args) override {
    RejectCertificateHandler::onInvalidCertificate(sender, args);
    args.setIgnoreError(false);
    lastCertificateError() = args.errorMessage();
  }
};

void initializeNetworkingOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    Poco::Net::initializeSSL();
    // A peer that closes while we write must fail the write, not end the process.
    std::signal(SIGPIPE, SIG_IGN);
  });
}

}  // namespace

Poco::Net::Context::Ptr makeClientContext(const std::string& caFile) {
  using Poco::Net::Context;
  initializeNetworkingOnce();
  if (!caFile.empty() && !Poco::File(caFile).exists()) {
    throw std::runtime_error("the CA file " + caFile + " does not exist");
  }
  Context::Params params;
  params.verificationMode = Context::VERIFY_RELAXED;
  params.verificationDepth = 9;
  params.loadDefaultCAs = caFile.empty();
  params.caLocation = caFile;
  Context::Ptr context;
  try {
    context = new Context(Context::TLS_CLIENT_USE, params);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot load the CA file " + caFile + ": " + e.displayText());
  }
  context->requireMinimumProtocol(Context::PROTO_TLSV1_2);
  // A kept-alive connection waiting for its next request gives back its
  // read and write buffers (about 34 KiB each): with 32 connections, 1 MiB.
  SSL_CTX_set_mode(context->sslContext(), SSL_MODE_RELEASE_BUFFERS);
  // Poco's own host-name check (extended verification) first resolves the
  // host to see whether it is loopback, outside the send's time budget and
  // even through a proxy, where the site's name need not resolve here at
  // all: one blocking lookup per handshake. startTls() checks the name
  // itself, always, so Poco's check stays off; the chain is still verified.
  context->enableExtendedCertificateVerification(false);
  Context::InvalidCertificateHandlerPtr reject(new RecordingRejectHandler);
  context->setInvalidCertificateHandler(reject);
  Poco::Net::SSLManager::instance().initializeClient(nullptr, reject, context);
  return context;
}

AttachedHttpsSession::AttachedHttpsSession(const Poco::Net::SecureStreamSocket& socket,
                                           Poco::Net::Context::Ptr context)
    : HTTPSClientSession(context) {
  attachSocket(socket);
}

}  // namespace relinkd
