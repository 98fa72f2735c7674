#include "server/message_codec.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <grpcpp/support/slice.h>

#include <map>
#include <vector>

#include "server/request_validation.h"

namespace spamguard::server {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::io::CodedInputStream;

constexpr int kMaxDepth = 16;

// Walks one message's fields until the input (or the current limit) ends. Returns false
// when the bytes are malformed; sets *found to the first invalid string's path.
bool Walk(CodedInputStream* input, const Descriptor* descriptor, const std::string& prefix,
          int depth, std::string* found) {
  if (depth > kMaxDepth) return false;
  std::map<int, int> occurrences;  // repeated fields: index of the next element
  for (;;) {
    const uint32_t tag = input->ReadTag();
    if (tag == 0) return input->ConsumedEntireMessage() || input->BytesUntilLimit() == 0;
    const int number = static_cast<int>(tag >> 3);
    const FieldDescriptor* field = descriptor ? descriptor->FindFieldByNumber(number) : nullptr;
    switch (tag & 7) {
      case 0: {  // varint
        uint64_t ignored;
        if (!input->ReadVarint64(&ignored)) return false;
        break;
      }
      case 1:
        if (!input->Skip(8)) return false;
        break;
      case 5:
        if (!input->Skip(4)) return false;
        break;
      case 2: {  // length-delimited
        uint32_t length;
        if (!input->ReadVarint32(&length)) return false;
        std::string name;
        if (field) {
          name = prefix + field->name();
          if (field->is_repeated()) {
            // Appended piece by piece: GCC 12 at -O3 reports a false -Wrestrict for "[" + s.
            name += '[';
            name += std::to_string(occurrences[number]++);
            name += ']';
          }
        }
        if (field && field->type() == FieldDescriptor::TYPE_STRING) {
          std::string value;
          if (!input->ReadString(&value, static_cast<int>(length))) return false;
          if (!IsValidUtf8(value)) {
            *found = name;
            return true;
          }
        } else if (field && field->type() == FieldDescriptor::TYPE_MESSAGE) {
          const CodedInputStream::Limit limit = input->PushLimit(static_cast<int>(length));
          if (!Walk(input, field->message_type(), name + ".", depth + 1, found)) return false;
          if (!found->empty()) return true;
          input->PopLimit(limit);
        } else if (!input->Skip(static_cast<int>(length))) {
          return false;
        }
        break;
      }
      default:  // groups: not used by this API
        return false;
    }
  }
}

}  // namespace

std::string FindInvalidUtf8Field(const std::string& bytes, const Descriptor* descriptor) {
  CodedInputStream input(reinterpret_cast<const uint8_t*>(bytes.data()),
                         static_cast<int>(bytes.size()));
  std::string found;
  if (!Walk(&input, descriptor, "", 0, &found)) return "";
  return found;
}

Status ParseMessage(const grpc::ByteBuffer& buffer, google::protobuf::Message* message) {
  // gRPC hands over a buffer that is not Valid() when it received no message it could read
  // (a truncated frame, a bad length or flag byte). Parsing nothing would yield the empty
  // request, and the client would hear about a missing field instead of its broken frame.
  std::vector<grpc::Slice> slices;
  if (!buffer.Valid() || !buffer.Dump(&slices).ok()) {
    return Status::InvalidArgument("the request message is missing, truncated or not a valid " +
                                   message->GetDescriptor()->full_name());
  }
  std::string bytes;
  bytes.reserve(buffer.Length());
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  if (message->ParseFromString(bytes)) return Status::Ok();
  const std::string field = FindInvalidUtf8Field(bytes, message->GetDescriptor());
  if (!field.empty()) return Status::InvalidArgument(field + " is not valid UTF-8");
  return Status::InvalidArgument("the request is not a valid " +
                                 message->GetDescriptor()->full_name() + " message");
}

void SerializeMessage(const google::protobuf::Message& message, grpc::ByteBuffer* buffer) {
  const std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  *buffer = grpc::ByteBuffer(&slice, 1);
}

}  // namespace spamguard::server
