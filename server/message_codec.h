// Turning gRPC byte buffers into request messages and responses into byte buffers.
//
// Why the CommentFilter service handles raw bytes instead of letting gRPC parse: protobuf
// refuses to parse a proto3 string field holding invalid UTF-8, and gRPC then answers
// INTERNAL with no detail. The API promises INVALID_ARGUMENT naming the field, so the server
// parses itself and, when parsing fails, walks the wire format to name the offending field.
//
// Pure functions; safe from any thread.
#ifndef SPAMGUARD_SERVER_MESSAGE_CODEC_H_
#define SPAMGUARD_SERVER_MESSAGE_CODEC_H_

#include <grpcpp/support/byte_buffer.h>

#include <google/protobuf/message.h>

#include <string>

#include "model/status.h"

namespace spamguard::server {

// Parses buffer into message; a valid zero-length buffer is the empty message. Errors
// (kInvalidArgument): "the request message is missing, truncated or not a valid <message
// type>" when buffer is not Valid() (gRPC read no message: a truncated or garbled frame);
// "comment.content is not valid UTF-8" when a string field holds invalid UTF-8; else a
// message saying the bytes are not a valid <message type>.
Status ParseMessage(const grpc::ByteBuffer& buffer, google::protobuf::Message* message);

// The dotted path ("comment.content", "post.tags[2]") of the first string field in the
// serialized message whose bytes are not valid UTF-8; empty when there is none or when the
// bytes are not a well-formed message.
std::string FindInvalidUtf8Field(const std::string& bytes,
                                 const google::protobuf::Descriptor* descriptor);

// Serializes message into buffer (replacing its contents).
void SerializeMessage(const google::protobuf::Message& message, grpc::ByteBuffer* buffer);

}  // namespace spamguard::server

#endif  // SPAMGUARD_SERVER_MESSAGE_CODEC_H_
