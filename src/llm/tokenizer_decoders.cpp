// Decoders and post-processors of tokenizer.json.
#include <nlohmann/json.hpp>

#include "llm/tokenizer_steps.h"
#include "llm/unicode.h"

namespace sinter::llm {

using nlohmann::json;

namespace {

Result<std::string> get_string(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return invalid_argument(where + "." + key + ": expected a string");
  return it->get<std::string>();
}

// ---- Decoders ---------------------------------------------------------------------------------------------------

class ByteLevelDecoder : public DecoderStep {
 public:
  void apply(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const auto& token : tokens) {
      // A token with a character outside the byte table (an added token, say) contributes its own UTF-8.
      std::string mapped;
      bool ok = true;
      for (size_t pos = 0; pos < token.size() && ok;) {
        int b = byte_level_byte(next_code_point(token, pos));
        if (b < 0) ok = false;
        mapped.push_back(static_cast<char>(b));
      }
      bytes += ok ? mapped : token;
    }
    tokens.assign(1, utf8_lossy(bytes));
  }
};

class ReplaceDecoder : public DecoderStep {
 public:
  ReplaceDecoder(TextPattern pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void apply(std::vector<std::string>& tokens) const override {
    for (auto& t : tokens) t = pattern_.replace_all(t, content_);
  }

 private:
  TextPattern pattern_;
  std::string content_;
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class ByteFallbackDecoder : public DecoderStep {
 public:
  void apply(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string pending;
    auto flush = [&] {
      if (pending.empty()) return;
      // A run of byte tokens that is not valid UTF-8 becomes one replacement character per byte.
      if (is_valid_utf8(pending)) {
        out.push_back(pending);
      } else {
        for (size_t i = 0; i < pending.size(); ++i) out.emplace_back(kReplacementChar);
      }
      pending.clear();
    };
    for (auto& t : tokens) {
      if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>' && hex_value(t[3]) >= 0 && hex_value(t[4]) >= 0) {
        pending.push_back(static_cast<char>(hex_value(t[3]) * 16 + hex_value(t[4])));
        continue;
      }
      flush();
      out.push_back(std::move(t));
    }
    flush();
    tokens = std::move(out);
  }
};

class FuseDecoder : public DecoderStep {
 public:
  void apply(std::vector<std::string>& tokens) const override {
    std::string all;
    for (const auto& t : tokens) all += t;
    tokens.assign(1, std::move(all));
  }
};

class StripDecoder : public DecoderStep {
 public:
  StripDecoder(std::string content, size_t start, size_t stop)
      : content_(std::move(content)), start_(start), stop_(stop) {}
  void apply(std::vector<std::string>& tokens) const override {
    const size_t n = content_.size();
    for (auto& t : tokens) {
      size_t begin = 0, end = t.size();
      for (size_t i = 0; i < start_ && end - begin >= n && t.compare(begin, n, content_) == 0; ++i) begin += n;
      for (size_t i = 0; i < stop_ && end - begin >= n && t.compare(end - n, n, content_) == 0; ++i) end -= n;
      t = t.substr(begin, end - begin);
    }
  }

 private:
  std::string content_;
  size_t start_, stop_;
};

class MetaspaceDecoder : public DecoderStep {
 public:
  MetaspaceDecoder(std::string replacement, bool strip_first)
      : replacement_(std::move(replacement)), strip_first_(strip_first) {}
  void apply(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      // In the first token the markers stand for the prepended space and vanish (all of them, as the
      // reference decoder does).
      const std::string_view with = i == 0 && strip_first_ ? "" : " ";
      std::string out;
      size_t prev = 0;
      for (size_t pos = tokens[i].find(replacement_); pos != std::string::npos;
           pos = tokens[i].find(replacement_, prev)) {
        out.append(tokens[i], prev, pos - prev).append(with);
        prev = pos + replacement_.size();
      }
      tokens[i] = out.append(tokens[i], prev);
    }
  }

 private:
  std::string replacement_;
  bool strip_first_;
};

Status add_decoder(const json& j, const std::string& where, Decoders& out) {
  if (j.is_null()) return Status::Ok();
  if (!j.is_object()) return invalid_argument(where + ": expected an object");
  SINTER_ASSIGN_OR_RETURN(auto type, get_string(j, "type", where));
  if (type == "Sequence") {
    auto list = j.find("decoders");
    if (list == j.end() || !list->is_array()) return invalid_argument(where + ".decoders: expected an array");
    for (size_t i = 0; i < list->size(); ++i) {
      SINTER_RETURN_IF_ERROR(add_decoder((*list)[i], where + ".decoders[" + std::to_string(i) + "]", out));
    }
    return Status::Ok();
  }
  if (type == "ByteLevel") {
    out.push_back(std::make_shared<ByteLevelDecoder>());
    return Status::Ok();
  }
  if (type == "Replace") {
    auto pattern = j.find("pattern");
    if (pattern == j.end()) return invalid_argument(where + ".pattern: missing");
    SINTER_ASSIGN_OR_RETURN(auto p, TextPattern::from_json(*pattern, where + ".pattern"));
    SINTER_ASSIGN_OR_RETURN(auto content, get_string(j, "content", where));
    out.push_back(std::make_shared<ReplaceDecoder>(std::move(p), std::move(content)));
    return Status::Ok();
  }
  if (type == "ByteFallback") {
    out.push_back(std::make_shared<ByteFallbackDecoder>());
    return Status::Ok();
  }
  if (type == "Fuse") {
    out.push_back(std::make_shared<FuseDecoder>());
    return Status::Ok();
  }
  if (type == "Strip") {
    SINTER_ASSIGN_OR_RETURN(auto content, get_string(j, "content", where));
    auto start = j.find("start"), stop = j.find("stop");
    if (start == j.end() || !start->is_number_unsigned() || stop == j.end() || !stop->is_number_unsigned()) {
      return invalid_argument(where + ".start/stop: expected non-negative integers");
    }
    if (content.empty()) return invalid_argument(where + ".content: expected one character");
    out.push_back(std::make_shared<StripDecoder>(std::move(content), start->get<size_t>(), stop->get<size_t>()));
    return Status::Ok();
  }
  if (type == "Metaspace") {
    SINTER_ASSIGN_OR_RETURN(auto replacement, get_string(j, "replacement", where));
    if (replacement.empty()) return invalid_argument(where + ".replacement: expected one character");
    bool strip_first = true;
    auto scheme = j.find("prepend_scheme");
    if (scheme != j.end() && !scheme->is_null()) {
      strip_first = *scheme != "never";
    } else if (auto add = j.find("add_prefix_space"); add != j.end() && add->is_boolean()) {
      strip_first = add->get<bool>();
    }
    out.push_back(std::make_shared<MetaspaceDecoder>(std::move(replacement), strip_first));
    return Status::Ok();
  }
  return unimplemented(where + ".type: decoder '" + type +
                       "' is not supported (supported: Sequence, ByteLevel, Replace, ByteFallback, Fuse, Strip, "
                       "Metaspace)");
}

// ---- Post-processors ---------------------------------------------------------------------------------------------

Result<std::vector<TemplateItem>> parse_template(const json& j, const std::string& where) {
  auto single = j.find("single");
  if (single == j.end() || !single->is_array()) return invalid_argument(where + ".single: expected an array");
  auto specials = j.find("special_tokens");
  std::vector<TemplateItem> items;
  for (size_t i = 0; i < single->size(); ++i) {
    const json& item = (*single)[i];
    const std::string at = where + ".single[" + std::to_string(i) + "]";
    if (item.contains("Sequence")) {
      if (item["Sequence"].value("id", "") != "A") return invalid_argument(at + ".Sequence.id: expected \"A\"");
      items.push_back({true, {}});
    } else if (item.contains("SpecialToken")) {
      std::string name = item["SpecialToken"].value("id", "");
      if (specials == j.end() || !specials->is_object() || !specials->contains(name)) {
        return invalid_argument(at + ": special token '" + name + "' is not in " + where + ".special_tokens");
      }
      const json& ids = (*specials)[name]["ids"];
      if (!ids.is_array()) return invalid_argument(where + ".special_tokens['" + name + "'].ids: expected an array");
      TemplateItem t;
      for (const auto& id : ids) {
        if (!id.is_number_integer())
          return invalid_argument(where + ".special_tokens['" + name + "'].ids: not an integer");
        t.ids.push_back(id.get<int32_t>());
      }
      items.push_back(std::move(t));
    } else {
      return invalid_argument(at + ": expected a Sequence or SpecialToken item");
    }
  }
  return items;
}

Result<TemplateItem> parse_bert_token(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array() || it->size() != 2 || !(*it)[1].is_number_integer()) {
    return invalid_argument(where + "." + key + ": expected [token, id]");
  }
  return TemplateItem{false, {(*it)[1].get<int32_t>()}};
}

Status add_post_processor(const json& j, const std::string& where, PostProcessor& out) {
  if (j.is_null()) return Status::Ok();
  if (!j.is_object()) return invalid_argument(where + ": expected an object");
  SINTER_ASSIGN_OR_RETURN(auto type, get_string(j, "type", where));
  if (type == "Sequence") {
    auto list = j.find("processors");
    if (list == j.end() || !list->is_array()) return invalid_argument(where + ".processors: expected an array");
    for (size_t i = 0; i < list->size(); ++i) {
      SINTER_RETURN_IF_ERROR(add_post_processor((*list)[i], where + ".processors[" + std::to_string(i) + "]", out));
    }
    return Status::Ok();
  }
  if (type == "ByteLevel") return Status::Ok();  // it only trims offsets, which sinter does not report
  if (type == "TemplateProcessing") {
    SINTER_ASSIGN_OR_RETURN(auto items, parse_template(j, where));
    out.push_back(std::move(items));
    return Status::Ok();
  }
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    SINTER_ASSIGN_OR_RETURN(auto cls, parse_bert_token(j, "cls", where));
    SINTER_ASSIGN_OR_RETURN(auto sep, parse_bert_token(j, "sep", where));
    out.push_back({cls, TemplateItem{true, {}}, sep});
    return Status::Ok();
  }
  return unimplemented(where + ".type: post-processor '" + type +
                       "' is not supported (supported: Sequence, ByteLevel, TemplateProcessing, BertProcessing, "
                       "RobertaProcessing)");
}

}  // namespace

Result<Decoders> parse_decoders(const json& j, const std::string& where) {
  Decoders out;
  SINTER_RETURN_IF_ERROR(add_decoder(j, where, out));
  return out;
}

Result<PostProcessor> parse_post_processor(const json& j, const std::string& where) {
  PostProcessor out;
  SINTER_RETURN_IF_ERROR(add_post_processor(j, where, out));
  return out;
}

}  // namespace sinter::llm
