// Engine: a loaded plan, ready to run.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sinter/plan.h"
#include "sinter/status.h"
#include "sinter/tensor.h"

namespace sinter {

using TensorMap = std::map<std::string, HostTensor>;

class Engine {
 public:
  // Maps the plan file, checks it (magic, version, bounds, checksums) and that this machine can run
  // it (check_target_compatible), and prepares the backend. Weights stay in the mapping, uncopied.
  static Result<Engine> load(const std::string& path);
  // Runs a plan built in this process, without writing it first.
  static Result<Engine> from_plan(const Plan& plan);

  const Target& target() const;
  const std::vector<TensorInfo>& inputs() const;
  const std::vector<TensorInfo>& outputs() const;
  const std::vector<InputProfile>& profiles() const;
  std::string metadata_json() const;

  // Runs one inference. Every input must be given, by name, with the declared dtype and rank, static
  // dims equal to the model's and every dim inside the input's profile; otherwise an error naming the
  // input and what mismatched. Safe to call from several threads at once.
  Result<TensorMap> run(const TensorMap& inputs) const;

  struct Impl;

 private:
  explicit Engine(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace sinter
