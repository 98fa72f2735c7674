#include "tests/support/synthetic_corpus.h"

namespace spamguard::testing {

std::vector<std::pair<std::string, std::string>> SyntheticCorpusRows() {
  const std::vector<std::string> spam_openers = {"Love back specialist baba ji",
                                                 "Earn 5000 dollars weekly from home",
                                                 "Cheap followers and likes",
                                                 "Get your ex love back fast",
                                                 "Bitcoin trading expert with guaranteed profit",
                                                 "Best online casino bonus"};
  const std::vector<std::string> spam_closers = {
      "call and whatsapp now +91 9829286600", "visit www.cheap-deals.example now",
      "DM me on telegram for details",        "contact me on whatsapp today",
      "click here http://bit.ly/abc123",      "inbox me for the offer"};
  const std::vector<std::string> ham_openers = {
      "Great article, thanks for writing it",     "I disagree with the second point",
      "This song brings back memories",           "My kids loved this recipe",
      "The chart in the middle was very helpful", "Interesting take on the election"};
  const std::vector<std::string> ham_closers = {
      "looking forward to the next post.",      "but the conclusion makes sense.",
      "I shared it with my colleagues.",        "we will try the variation next week.",
      "could you add sources for the numbers?", "well done as always."};
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& a : spam_openers) {
    for (const auto& b : spam_closers) rows.push_back({"spam", a + ", " + b});
  }
  for (const auto& a : ham_openers) {
    for (const auto& b : ham_closers) rows.push_back({"ham", a + ", " + b});
  }
  return rows;
}

std::vector<std::string> FillerHamTexts(size_t count) {
  static const char* const kAdjectives[] = {"calm",   "bright", "quiet",   "gentle",  "warm",
                                            "lively", "simple", "clever",  "honest",  "vivid",
                                            "steady", "modest", "careful", "curious", "patient"};
  static const char* const kThings[] = {"garden",   "river",   "recipe",   "bicycle", "library",
                                        "concert",  "harbour", "mountain", "kitchen", "novel",
                                        "painting", "village", "forest",   "museum",  "teacher",
                                        "market",   "journey", "lesson",   "bridge",  "orchard"};
  static const char* const kTimes[] = {"this morning", "last winter", "on sunday"};
  std::vector<std::string> texts;
  for (const char* time : kTimes) {
    for (const char* thing : kThings) {
      for (const char* adjective : kAdjectives) {
        if (texts.size() == count) return texts;
        texts.push_back(std::string("what a ") + adjective + " " + thing + " " + time);
      }
    }
  }
  return texts;
}

}  // namespace spamguard::testing
