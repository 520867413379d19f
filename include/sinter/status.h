// Status and Result<T>: errors are values across module boundaries.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace sinter {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,   // malformed input: a bad model, shape, attribute or flag
  kNotFound,          // a file, tensor, input or op that does not exist
  kUnimplemented,     // valid input that sinter does not support (yet)
  kDataLoss,          // a truncated or corrupted file
  kFailedPrecondition,// a plan built for another target, a missing GPU
  kOutOfRange,        // a shape outside the built profile, an index out of bounds
  kIo,                // the operating system refused a read or write
  kInternal,          // a bug in sinter
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prefixes the message with context ("node 'conv1': ...").
  Status with_context(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_);
  }
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status unimplemented(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
inline Status data_loss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status failed_precondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
inline Status out_of_range(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
inline Status io_error(std::string m) { return {StatusCode::kIo, std::move(m)}; }
inline Status internal_error(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (status_.ok()) status_ = internal_error("Result constructed from an OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

#define SINTER_CONCAT_INNER_(a, b) a##b
#define SINTER_CONCAT_(a, b) SINTER_CONCAT_INNER_(a, b)

#define SINTER_RETURN_IF_ERROR(expr)          \
  do {                                        \
    ::sinter::Status sinter_status_ = (expr); \
    if (!sinter_status_.ok()) return sinter_status_; \
  } while (0)

#define SINTER_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

// SINTER_ASSIGN_OR_RETURN(auto x, make_x()); returns the error status on failure.
#define SINTER_ASSIGN_OR_RETURN(lhs, expr) \
  SINTER_ASSIGN_OR_RETURN_IMPL_(SINTER_CONCAT_(sinter_result_, __LINE__), lhs, expr)

}  // namespace sinter
