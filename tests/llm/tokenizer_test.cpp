// The C++ tokenizer against the Hugging Face `tokenizers` library: fixtures from
// tests/fixtures/gen_llm_tokenizers.py hold tokenizer.json files and the library's own encodings and decodings.
#include "llm/tokenizer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "llm/unicode.h"

namespace sinter::llm {
namespace {

using nlohmann::json;

std::string fixture_path(const std::string& name) {
  return std::string(SINTER_FIXTURE_DIR) + "/llm/tokenizers/" + name;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<int32_t> ids_of(const json& j) {
  return j.get<std::vector<int32_t>>();
}

std::string show(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += std::to_string(id) + " ";
  return s;
}

class HfTokenizerMatch : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto path = fixture_path(GetParam() + ".json");
    auto tok = Tokenizer::from_file(path);
    ASSERT_TRUE(tok.ok()) << tok.status().to_string() << " (run scripts/gen-fixtures)";
    tokenizer_ = std::make_unique<Tokenizer>(*tok);
    cases_ = json::parse(read_text(fixture_path(GetParam() + ".cases.json")));
  }
  std::unique_ptr<Tokenizer> tokenizer_;
  json cases_;
};

TEST_P(HfTokenizerMatch, EncodeMatchesTokenForToken) {
  ASSERT_GT(cases_["encode"].size(), 20u);
  for (const auto& c : cases_["encode"]) {
    const std::string text = c["text"];
    EXPECT_EQ(show(tokenizer_->encode(text, true)), show(ids_of(c["ids"]))) << "text: '" << text << "'";
    EXPECT_EQ(show(tokenizer_->encode(text, false)), show(ids_of(c["ids_plain"]))) << "text: '" << text << "'";
  }
}

TEST_P(HfTokenizerMatch, DecodeMatchesEncodedCorpus) {
  for (const auto& c : cases_["encode"]) {
    auto ids = ids_of(c["ids"]);
    EXPECT_EQ(tokenizer_->decode(ids, false), c["decoded"].get<std::string>()) << "ids: " << show(ids);
    EXPECT_EQ(tokenizer_->decode(ids, true), c["decoded_skip"].get<std::string>()) << "ids: " << show(ids);
  }
}

TEST_P(HfTokenizerMatch, DecodeMatchesRandomIds) {
  // Random ids split multi-byte characters and mix in special tokens: the replacement-character policy shows.
  for (const auto& c : cases_["decode"]) {
    auto ids = ids_of(c["ids"]);
    EXPECT_EQ(tokenizer_->decode(ids, false), c["decoded"].get<std::string>()) << "ids: " << show(ids);
    EXPECT_EQ(tokenizer_->decode(ids, true), c["decoded_skip"].get<std::string>()) << "ids: " << show(ids);
  }
}

TEST_P(HfTokenizerMatch, StreamDecodeMatchesDecodeStream) {
  for (const auto& c : cases_["encode"]) {
    StreamDecoder stream(*tokenizer_, false);
    auto ids = ids_of(c["ids"]);
    std::string joined;
    for (size_t i = 0; i < ids.size(); ++i) {
      auto chunk = stream.step(ids[i]);
      const json& want = c["stream"][i];
      if (want.is_null()) {
        EXPECT_FALSE(chunk.has_value()) << "step " << i << " of '" << c["text"].get<std::string>() << "'";
      } else {
        ASSERT_TRUE(chunk.has_value()) << "step " << i << " of '" << c["text"].get<std::string>() << "'";
        EXPECT_EQ(*chunk, want.get<std::string>()) << "step " << i;
        joined += *chunk;
      }
    }
    EXPECT_EQ(joined, c["decoded"].get<std::string>());
  }
}

TEST_P(HfTokenizerMatch, TokenIdRoundTrip) {
  for (int32_t id = 0; id < tokenizer_->vocab_size(); ++id) {
    auto token = tokenizer_->id_to_token(id);
    if (!token) continue;
    auto back = tokenizer_->token_to_id(*token);
    ASSERT_TRUE(back.has_value()) << id;
    EXPECT_EQ(*back, id);
  }
  EXPECT_FALSE(tokenizer_->id_to_token(tokenizer_->vocab_size()).has_value());
}

INSTANTIATE_TEST_SUITE_P(Fixtures, HfTokenizerMatch,
                         ::testing::Values("llama3", "gpt2", "gpt2_prefix", "llama2", "mistral", "spm_unk", "qwen2",
                                           "nfd", "nfkc", "nfkd"),
                         [](const auto& info) { return info.param; });

// The Unicode normalizers (NFC for Qwen2, NFD, NFKC, NFKD) against the library's normalize_str: these
// tokenizers are byte-level, so decoding the ids of a text gives back exactly its normalized form.
class HfNormalizerMatch : public HfTokenizerMatch {};

TEST_P(HfNormalizerMatch, DecodedIdsAreTheNormalizedText) {
  size_t changed = 0;
  for (const auto& c : cases_["encode"]) {
    const std::string text = c["text"], normalized = c["normalized"];
    changed += text != normalized;
    EXPECT_EQ(tokenizer_->decode(tokenizer_->encode(text, false), false), normalized) << "text: '" << text << "'";
  }
  EXPECT_GT(changed, 20u) << "the corpus should exercise the normalizer";
}

INSTANTIATE_TEST_SUITE_P(Fixtures, HfNormalizerMatch, ::testing::Values("qwen2", "nfd", "nfkc", "nfkd"),
                         [](const auto& info) { return info.param; });

TEST(Tokenizer, KnowsBosAndEos) {
  auto llama3 = Tokenizer::from_file(fixture_path("llama3.json"));
  ASSERT_TRUE(llama3.ok()) << llama3.status().to_string();
  EXPECT_EQ(llama3->bos_id(), llama3->token_to_id("<|begin_of_text|>"));
  EXPECT_EQ(llama3->eos_id(), llama3->token_to_id("<|end_of_text|>"));
  EXPECT_TRUE(llama3->is_special(*llama3->token_to_id("<|eot_id|>")));
  EXPECT_FALSE(llama3->is_special(*llama3->token_to_id("<tool>")));

  auto llama2 = Tokenizer::from_file(fixture_path("llama2.json"));
  ASSERT_TRUE(llama2.ok()) << llama2.status().to_string();
  EXPECT_EQ(llama2->bos_id(), llama2->token_to_id("<s>"));
  EXPECT_EQ(llama2->eos_id(), llama2->token_to_id("</s>"));
}

TEST(Tokenizer, RepairsInvalidUtf8Input) {
  auto tok = Tokenizer::from_file(fixture_path("llama3.json"));
  ASSERT_TRUE(tok.ok());
  // A stray continuation byte encodes as U+FFFD would.
  EXPECT_EQ(tok->encode("a\x80z", false), tok->encode("a\xEF\xBF\xBDz", false));
}

json load_json(const std::string& name) {
  return json::parse(read_text(fixture_path(name)));
}

void expect_refused(const json& j, const std::string& field) {
  auto tok = Tokenizer::from_json(j.dump());
  ASSERT_FALSE(tok.ok()) << "accepted a tokenizer with " << field;
  EXPECT_NE(tok.status().message().find(field), std::string::npos) << tok.status().to_string();
}

TEST(Tokenizer, RefusesUnsupportedFeaturesNamingTheField) {
  json base = load_json("llama3.json");
  {
    json j = base;
    j["normalizer"] = {{"type", "BertNormalizer"}};
    expect_refused(j, "normalizer.type");
  }
  {
    json j = base;
    j["model"]["type"] = "Unigram";
    expect_refused(j, "model.type");
  }
  {
    json j = base;
    j["model"]["dropout"] = 0.1;
    expect_refused(j, "model.dropout");
  }
  {
    json j = base;
    j["pre_tokenizer"]["pretokenizers"][1] = {{"type", "BertPreTokenizer"}};
    expect_refused(j, "pre_tokenizer.pretokenizers[1].type");
  }
  {
    json j = base;
    j["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "(unclosed";
    expect_refused(j, "pre_tokenizer.pretokenizers[0].pattern.Regex");
  }
  {
    json j = base;
    j["decoder"] = {{"type", "WordPiece"}};
    expect_refused(j, "decoder.type");
  }
  {
    json j = base;
    j["post_processor"]["processors"][1]["single"][0]["SpecialToken"]["id"] = "<nope>";
    expect_refused(j, "post_processor.processors[1].single[0]");
  }
  {
    json j = base;
    j["truncation"] = {{"max_length", 16}};
    expect_refused(j, "truncation");
  }
  {
    json j = base;
    j["model"]["merges"][3] = json::array({"no-such-token-a", "no-such-token-b"});
    expect_refused(j, "model.merges[3]");
  }
  {
    json j = base;
    j["added_tokens"][0].erase("id");
    expect_refused(j, "added_tokens[0]");
  }
  auto bad = Tokenizer::from_json("{not json");
  EXPECT_FALSE(bad.ok());
  auto missing = Tokenizer::from_file(fixture_path("no-such-file.json"));
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no-such-file.json"), std::string::npos);
}

TEST(Utf8, LossyReplacesMaximalSubparts) {
  // Unicode's recommended practice: one U+FFFD per maximal ill-formed subpart.
  EXPECT_EQ(utf8_lossy("a\xF0\x9F\x98"), "a\xEF\xBF\xBD");        // truncated 4-byte sequence
  EXPECT_EQ(utf8_lossy("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong: two bytes, two marks
  EXPECT_EQ(utf8_lossy("\xED\xA0\x80"), std::string(kReplacementChar) + std::string(kReplacementChar) +
                                            std::string(kReplacementChar));  // a surrogate
  EXPECT_EQ(utf8_lossy("\xE2\x82\xAC"), "\xE2\x82\xAC");
  EXPECT_EQ(utf8_complete_prefix_length("ab\xE2\x82"), 2u);
  EXPECT_EQ(utf8_complete_prefix_length("ab\xE2\x82\xAC"), 5u);
  EXPECT_EQ(utf8_complete_prefix_length("ab\x80"), 3u);
}

}  // namespace
}  // namespace sinter::llm
