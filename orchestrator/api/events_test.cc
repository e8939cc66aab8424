#include "api/events.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace netrig::api {
namespace {

using nlohmann::json;

TEST(EventLog, SequenceNumbersTypeAndFieldsInEachLine) {
  EventLog log(10);
  EXPECT_EQ(log.publish("job", {{"lab", "a"}}), 1u);
  EXPECT_EQ(log.publish("check_result", {{"lab", "a"}, {"status", "passed"}}), 2u);
  auto all = log.after(0, 100, 0);
  ASSERT_EQ(all.size(), 2u);
  auto second = json::parse(all[1].line);
  EXPECT_EQ(second["seq"], 2);
  EXPECT_EQ(second["type"], "check_result");
  EXPECT_EQ(second["status"], "passed");
  EXPECT_GT(second["time"].get<double>(), 1.6e9);
  EXPECT_EQ(log.last_seq(), 2u);
}

TEST(EventLog, ResumesAfterASequenceNumberAndHonoursMax) {
  EventLog log(100);
  for (int i = 0; i < 10; ++i) log.publish("e", {{"i", i}});
  auto rest = log.after(7, 100, 0);
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0].seq, 8u);
  EXPECT_EQ(log.after(0, 4, 0).size(), 4u);
  EXPECT_TRUE(log.after(10, 100, 0).empty());
}

TEST(EventLog, TheRingKeepsTheNewestOnly) {
  EventLog log(3);
  for (int i = 0; i < 5; ++i) log.publish("e", {});
  auto kept = log.after(0, 100, 0);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept.front().seq, 3u);  // 1 and 2 fell out; sequence numbers do not restart
}

TEST(EventLog, AReaderWaitsForTheNextEventAndCloseWakesIt) {
  EventLog log(10);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    log.publish("late", {});
  });
  auto got = log.after(0, 10, 5000);
  writer.join();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(json::parse(got[0].line)["type"], "late");

  auto start = std::chrono::steady_clock::now();
  std::thread closer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    log.close();
  });
  EXPECT_TRUE(log.after(1, 10, 10000).empty());
  closer.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(log.closed());
}

TEST(EventLog, ANonObjectIsWrapped) {
  EventLog log(10);
  log.publish("x", json::array({1, 2}));
  EXPECT_EQ(json::parse(log.after(0, 1, 0)[0].line)["data"], json::array({1, 2}));
}

}  // namespace
}  // namespace netrig::api
