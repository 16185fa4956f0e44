// relinkd: the daemon's entry point, a Poco ServerApplication that reads
// its options and configuration, then runs a Daemon until SIGTERM/SIGINT,
// reloading on SIGHUP.
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/ServerApplication.h>

#include <malloc.h>

#include <csignal>
#include <cstdlib>
#include <iostream>

#include "Daemon.h"
#include "Logging.h"
#include "relinkd/net/PocoTransport.h"
#include "StatusServer.h"

using Poco::Util::Application;
using Poco::Util::Option;
using Poco::Util::OptionSet;

namespace relinkd {
namespace {

sigset_t controlSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int signal : {SIGTERM, SIGINT, SIGQUIT, SIGHUP}) sigaddset(&set, signal);
  return set;
}

class RelinkdApp : public Poco::Util::ServerApplication {
 protected:
  // ServerApplication's --daemon/--pidfile/--umask are left out on purpose:
  // relinkd runs in the foreground under systemd (Type=notify).
  void defineOptions(OptionSet& options) override {
    options.addOption(Option("config", "c", "configuration file (default " + std::string(kDefaultConfigPath) + ")")
                          .argument("FILE").repeatable(false).callback(
                              Poco::Util::OptionCallback<RelinkdApp>(this, &RelinkdApp::onConfig)));
    options.addOption(Option("define", "D", "override a configuration key (repeatable)")
                          .argument("KEY=VALUE").repeatable(true).callback(
                              Poco::Util::OptionCallback<RelinkdApp>(this, &RelinkdApp::onDefine)));
    options.addOption(Option("check-config", "", "check the configuration and the token file, then exit")
                          .callback(Poco::Util::OptionCallback<RelinkdApp>(this, &RelinkdApp::onCheck)));
    options.addOption(Option("help", "h", "show this help").callback(
        Poco::Util::OptionCallback<RelinkdApp>(this, &RelinkdApp::onHelp)));
    options.addOption(Option("version", "", "show the version").callback(
        Poco::Util::OptionCallback<RelinkdApp>(this, &RelinkdApp::onVersion)));
  }

  int main(const std::vector<std::string>& args) override {
    if (exitNow_) return EXIT_OK;
    if (!args.empty()) {
      std::cerr << "relinkd: unexpected argument '" << args.front() << "' (see relinkd --help)\n";
      return EXIT_USAGE;
    }
    Config config;
    std::string token;
    try {
      std::tie(config, token) = readSettings();
      configureLogging(config.logLevel);
    } catch (const ConfigError& error) {
      // One line per problem: every problem of the file at once.
      for (const ConfigProblem& problem : error.problems())
        std::cerr << "relinkd: configuration error: " << problem.text << "\n";
      return EXIT_CONFIG;
    }
    if (checkOnly_) {
      const auto tokenWarning = tokenFileWarning(config.tokenFile, processEnvironment());
      if (tokenWarning) std::cerr << "relinkd: warning: " << *tokenWarning << "\n";
      std::cout << "relinkd: configuration OK (" << configPath_ << ")\n";
      return EXIT_OK;
    }
    return runDaemon(config, token);  // the daemon warns of the token file's mode (TokenModeWarner)
  }

 private:
  void onConfig(const std::string&, const std::string& value) { configPath_ = value; }
  void onDefine(const std::string&, const std::string& value) { defines_.push_back(value); }
  void onCheck(const std::string&, const std::string&) { checkOnly_ = true; }
  void onVersion(const std::string&, const std::string&) {
    std::cout << "relinkd " << RELINKD_VERSION << "\n";
    stopOptionsProcessing();
    exitNow_ = true;
  }
  void onHelp(const std::string&, const std::string&) {
    Poco::Util::HelpFormatter help(options());
    help.setCommand("relinkd");
    help.setUsage("[--config=FILE] [--define=KEY=VALUE ...] [--check-config]");
    help.setHeader(
        "relinkd fixes Jira and Confluence links after a Data Center to Cloud migration: it watches a "
        "directory of JSON job files and drives Atlassian's link-fixing API until every job is done "
        "or its migration window closes.");
    help.setFooter("Configuration keys, job files and states: see relinkd.properties(5) and README.md. "
                   "Exit code 78 means a configuration error (the message names the key), 65 a damaged "
                   "state database (the message says how to recover).");
    help.format(std::cout);
    std::cout << "\n";
    stopOptionsProcessing();
    exitNow_ = true;
  }

  // The configuration plus everything --check-config promises to check.
  std::pair<Config, std::string> readSettings() {
    Config config = loadConfigFile(configPath_, defines_, processEnvironment());
    requireDaemonSettings(config);
    std::string token = readToken(config.tokenFile);
    try {
      TransportOptions options;
      options.caFile = config.caFile;
      makePocoTransport(options);
    } catch (const std::exception& error) {
      throw ConfigError("relinkd.api.caFile", error.what());
    }
    return {config, token};
  }

  int runDaemon(const Config& config, const std::string& token) {
    Poco::Logger& log = Poco::Logger::get("relinkd");
    Daemon daemon(config, token);
    try {
      if (!daemon.start()) {
        daemon.stop();
        log.notice("stopped");
        return EXIT_OK;
      }
    } catch (const StoreError& error) {
      log.fatal(std::string("cannot start: ") + error.what());
      // A damaged database is not mended by starting again (and the unit's
      // RestartPreventExitStatus keeps systemd from trying).
      return error.cause() == StoreError::Cause::kCorrupt ? EXIT_DATAERR : EXIT_SOFTWARE;
    } catch (const std::exception& error) {
      log.fatal(std::string("cannot start: ") + error.what());
      return EXIT_SOFTWARE;
    }
    const sigset_t signals = controlSignals();
    for (;;) {
      int signal = 0;
      if (sigwait(&signals, &signal) != 0) continue;
      if (signal != SIGHUP) break;
      reload(daemon);
    }
    // Every request in flight is interrupted, on every transport, and every
    // thread joined: the daemon ends by itself, well within systemd's limit.
    daemon.stop();
    log.notice("stopped");
    return EXIT_OK;
  }

  void reload(Daemon& daemon) {
    Poco::Logger& log = Poco::Logger::get("relinkd");
    log.notice("SIGHUP: reloading " + configPath_ + " and the token");
    try {
      auto [config, token] = readSettings();
      configureLogging(config.logLevel);
      daemon.reload(config, token);
    } catch (const ConfigError& error) {
      log.error(std::string("reload failed, keeping the running configuration: ") + error.what());
    }
  }

  std::string configPath_ = kDefaultConfigPath;
  std::vector<std::string> defines_;
  bool checkOnly_ = false;
  bool exitNow_ = false;
};

}  // namespace
}  // namespace relinkd

int main(int argc, char** argv) {
  // glibc gives each thread that allocates its own arena (up to 8 per core).
  // relinkd's request threads allocate little and briefly, so per-thread
  // arenas only hold freed memory apart: two arenas keep the daemon's resident
  // size close to what it uses, at no measurable cost in CPU (scripts/bench.sh).
  mallopt(M_ARENA_MAX, 1);
  // Before any thread exists: only the main thread's sigwait sees these.
  sigset_t signals = relinkd::controlSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  relinkd::RelinkdApp app;
  try {
    app.init(argc, argv);
  } catch (const Poco::Exception& error) {
    std::cerr << "relinkd: " << error.displayText() << " (see relinkd --help)\n";
    return Poco::Util::Application::EXIT_USAGE;
  }
  return static_cast<Poco::Util::Application&>(app).run();
}
