// The Jinja interpreter against jinja2 (tests/fixtures/gen_chat_templates.py): family-style chat templates
// over generated conversations, one-construct unit templates and templates jinja2 refuses; then
// format_chat_prompt, which must give what apply_chat_template gives for [system?, user].
#include "llm/jinja.h"

#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "llm/chat_format.h"

namespace sinter::llm::jinja {
namespace {

using ojson = nlohmann::ordered_json;

const ojson& fixture(const std::string& name) {
  static std::map<std::string, ojson> cache;
  auto it = cache.find(name);
  if (it == cache.end()) {
    std::ifstream in(std::string(SINTER_FIXTURE_DIR) + "/chat/" + name);
    std::ostringstream ss;
    ss << in.rdbuf();
    it = cache.emplace(name, ojson::parse(ss.str(), nullptr, false)).first;
  }
  return it->second;
}

// The generator pins strftime_now to [Y, M, D, h, m, s]; timegm fills in the weekday.
RenderOptions options_at(const ojson& now) {
  std::tm tm{};
  tm.tm_year = now[0].get<int>() - 1900;
  tm.tm_mon = now[1].get<int>() - 1;
  tm.tm_mday = now[2].get<int>();
  tm.tm_hour = now[3].get<int>();
  tm.tm_min = now[4].get<int>();
  tm.tm_sec = now[5].get<int>();
  timegm(&tm);
  RenderOptions o;
  o.now = tm;
  return o;
}

Result<std::string> render(const std::string& source, const ojson& context, const RenderOptions& options = {}) {
  auto t = Template::parse(source);
  if (!t.ok()) return t.status();
  return t->render(Value::from_json(context), options);
}

TEST(Jinja, FixturesExist) {
  for (const char* name : {"families.json", "units.json", "errors.json", "cli.json"}) {
    ASSERT_FALSE(fixture(name).is_discarded()) << name << " (run scripts/gen-fixtures)";
  }
  EXPECT_GE(fixture("families.json").size(), 8u);
}

TEST(Jinja, FamilyTemplatesMatchJinja2) {
  int rendered = 0, refused = 0;
  for (const auto& family : fixture("families.json")) {
    const std::string name = family["name"];
    const std::string source = family["template"];
    for (size_t i = 0; i < family["cases"].size(); ++i) {
      const auto& c = family["cases"][i];
      auto out = render(source, c["context"], options_at(c["now"]));
      if (c.contains("error")) {
        ASSERT_FALSE(out.ok()) << name << " case " << i << " rendered:\n" << *out;
        EXPECT_NE(out.status().message().find(c["error"].get<std::string>()), std::string::npos)
            << name << " case " << i << ": " << out.status().message();
        ++refused;
        continue;
      }
      ASSERT_TRUE(out.ok()) << name << " case " << i << ": " << out.status().message();
      EXPECT_EQ(*out, c["expected"].get<std::string>()) << name << " case " << i;
      ++rendered;
    }
  }
  EXPECT_GT(rendered, 80);
  EXPECT_GT(refused, 0);
}

TEST(Jinja, UnitTemplatesMatchJinja2) {
  for (const auto& u : fixture("units.json")) {
    auto out = render(u["template"], u["context"], options_at(u["now"]));
    ASSERT_TRUE(out.ok()) << u["name"] << ": " << out.status().message();
    EXPECT_EQ(*out, u["expected"].get<std::string>()) << u["name"] << "\ntemplate: " << u["template"];
  }
}

TEST(Jinja, ErrorsNameTheProblem) {
  for (const auto& e : fixture("errors.json")) {
    auto out = render(e["template"], e["context"]);
    ASSERT_FALSE(out.ok()) << e["name"] << " rendered: " << *out;
    EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument) << e["name"];
    EXPECT_NE(out.status().message().find("line "), std::string::npos) << out.status().message();
    for (const auto& word : e["mentions"])
      EXPECT_NE(out.status().message().find(word.get<std::string>()), std::string::npos)
          << e["name"] << ": '" << out.status().message() << "' does not mention " << word;
  }
}

TEST(Jinja, RenderIsRepeatableAndStateless) {
  // Namespaces and sets made by one render must not leak into the next.
  auto t = Template::parse(
      "{% set ns = namespace(n=0) %}{% for i in l %}{% set ns.n = ns.n + i %}{% endfor %}"
      "{{ ns.n }}");
  ASSERT_TRUE(t.ok());
  const Value ctx = Value::from_json(ojson::parse(R"({"l": [1, 2, 3]})"));
  auto a = t->render(ctx), b = t->render(ctx);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(a->find('6'), std::string::npos);
}

// format_chat_prompt on every family conversation that is [user] or [system, user] with the generation prompt
// and no tools: the text must be apply_chat_template's.
TEST(ChatFormat, MatchesApplyChatTemplate) {
  int checked = 0;
  for (const auto& family : fixture("families.json")) {
    for (const auto& c : family["cases"]) {
      const auto& ctx = c["context"];
      const auto& msgs = ctx["messages"];
      if (!ctx["add_generation_prompt"].get<bool>() || !ctx["tools"].is_null() || ctx.contains("date_string") ||
          c.contains("error") || msgs.size() > 2 || !msgs.back()["content"].is_string())
        continue;
      if (msgs.size() == 2 && msgs[0]["role"] != "system") continue;
      ChatPrompt prompt;
      if (msgs.size() == 2) prompt.system = msgs[0]["content"].get<std::string>();
      prompt.user = msgs.back()["content"].get<std::string>();
      std::map<std::string, std::string> tokens;
      for (const char* name : {"bos_token", "eos_token", "pad_token", "unk_token"})
        if (ctx.contains(name)) tokens[name] = ctx[name].get<std::string>();
      auto out = format_chat_prompt(family["template"], tokens, prompt, options_at(c["now"]));
      ASSERT_TRUE(out.ok()) << family["name"] << ": " << out.status().message();
      EXPECT_EQ(*out, c["expected"].get<std::string>()) << family["name"];
      ++checked;
    }
  }
  EXPECT_GE(checked, 16);
}

TEST(ChatFormat, Errors) {
  auto none = format_chat_prompt("", {}, {std::nullopt, "hi"});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no chat template"), std::string::npos);
  // The errors fixture's raise_exception template, as a model's template.
  for (const auto& e : fixture("errors.json")) {
    if (e["name"] != "raise_exception" && e["name"] != "unbalanced_if") continue;
    auto out = format_chat_prompt(e["template"], {}, {std::nullopt, "hi"});
    ASSERT_FALSE(out.ok()) << e["name"];
    EXPECT_NE(out.status().message().find("chat template"), std::string::npos) << out.status().message();
    EXPECT_NE(out.status().message().find(e["mentions"][0].get<std::string>()), std::string::npos)
        << out.status().message();
  }
}

}  // namespace
}  // namespace sinter::llm::jinja
