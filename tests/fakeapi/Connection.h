// What the fake does to a connection: send a complete reply, or misbehave
// on purpose (reset, close, truncated reply), for plain and TLS sockets.
//
// Thread-safety: each function touches only the connection of the request
// it is given; called from that request's server thread.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <string>
#include <utility>
#include <vector>

namespace relinkd::fakeapi {

// A complete answer, decided before anything is sent.
struct Reply {
  int status = 200;
  std::string body;  // sent as application/json unless headers say otherwise
  std::vector<std::pair<std::string, std::string>> headers;
};

void sendReply(Poco::Net::HTTPServerResponse& response, const Reply& reply);

// Closes the connection with a TCP RST (SO_LINGER 0); nothing is answered.
void resetConnection(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response);

// Closes the connection (EOF; TLS close_notify first); nothing is answered.
void closeConnection(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response);

// Sends reply's status line and headers with a Content-Length 64 bytes
// larger than reply.body, then reply.body, then closes the connection.
void sendTruncated(Poco::Net::HTTPServerRequest& request,
                   Poco::Net::HTTPServerResponse& response, const Reply& reply);

}  // namespace relinkd::fakeapi
