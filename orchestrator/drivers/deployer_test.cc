// The deployer's order, rollback and journal with a fake StepDriver: no root, no kernel objects.
#include "drivers/deployer.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <set>

#include "drivers/interrupt.h"
#include "drivers/kernel_steps.h"
#include "model/parser.h"

namespace netrig {
namespace {

// Records what it is asked to do. Journals one entry per step ("step", its description) before it
// "makes" it, as the real drivers do; fails the step whose description is `fail_at`.
class FakeSteps : public StepDriver {
 public:
  std::string fail_at;
  std::string refuse;     // check_runnable throws this
  int broken_after = -1;  // verify names this step
  std::mutex mutex;
  std::vector<std::string> applied;
  std::vector<std::string> rolled_back_journal;  // what the journal held when roll_back ran
  int roll_backs = 0;
  bool lab_dir_during_apply = true;

  void check_runnable(const Plan&) override {
    if (!refuse.empty()) throw std::runtime_error(refuse);
  }
  void apply(const Plan& plan, const Step& step, Journal& journal) override {
    journal.record({"step", step.describe(), "", 0});
    std::lock_guard lock(mutex);
    lab_dir_during_apply = lab_dir_during_apply && lab_exists(plan.topology.name);
    applied.push_back(step.describe());
    if (step.describe() == fail_at) throw std::runtime_error("File exists");
  }
  int verify(const Plan&, std::string* why) override {
    if (broken_after < 0) return -1;
    *why = "container exited";
    return broken_after;
  }
  void roll_back(const std::string& lab) override {
    ++roll_backs;
    for (const auto& e : Journal::read(lab)) rolled_back_journal.push_back(e.name);
    remove_lab_dir(lab);
  }
};

class DeployerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/netrig-deployer-XXXXXX";
    dir_ = mkdtemp(tmpl);
    setenv("NETRIG_STATE_DIR", dir_.c_str(), 1);
    plan_ = make_plan(parse_topology(R"(name: fake
topology:
  nodes:
    br0: {kind: bridge}
    h1: {interfaces: {eth0: {ipv4: 10.0.0.1/24}}, exec: ["true"]}
    h2: {interfaces: {eth0: {ipv4: 10.0.0.2/24}}}
  links:
    - endpoints: ["h1:eth0", "br0"]
    - endpoints: ["h2:eth0", "br0"]
)",
                                     "fake.yaml"));
    options_.workers = 4;
    options_.topology_text = "the file";
  }
  void TearDown() override {
    interrupted() = false;
    unsetenv("NETRIG_STATE_DIR");
    std::filesystem::remove_all(dir_);
  }
  const Step& step_named(const std::string& description) {
    for (const auto& s : plan_.steps)
      if (s.describe() == description) return s;
    throw std::runtime_error("no step " + description);
  }
  std::string dir_;
  Plan plan_;
  DeployOptions options_;
};

TEST_F(DeployerTest, EveryStepAppliedAfterItsDependenciesAndTheLabMarkedDeployed) {
  FakeSteps fake;
  deploy(plan_, options_, fake);
  ASSERT_EQ(fake.applied.size(), plan_.steps.size());
  for (const auto& s : plan_.steps) {
    const auto at = std::find(fake.applied.begin(), fake.applied.end(), s.describe()) - fake.applied.begin();
    for (int dep : s.after) {
      const auto dep_at =
          std::find(fake.applied.begin(), fake.applied.end(), plan_.steps[dep].describe()) - fake.applied.begin();
      EXPECT_LT(dep_at, at) << s.describe() << " before " << plan_.steps[dep].describe();
    }
  }
  EXPECT_TRUE(fake.lab_dir_during_apply) << "the state directory is claimed before the first step";
  EXPECT_EQ(fake.roll_backs, 0);
  ASSERT_TRUE(read_lab_meta("fake"));
  EXPECT_EQ(read_lab_meta("fake")->status, "deployed");
  EXPECT_EQ(read_lab_topology("fake"), "the file");
  EXPECT_EQ(Journal::read("fake").size(), plan_.steps.size()) << "each step journaled what it made";
}

TEST_F(DeployerTest, AFailingStepRollsBackWhatTheJournalHoldsAndNamesTheStep) {
  FakeSteps fake;
  fake.fail_at = "exec h1";
  try {
    deploy(plan_, options_, fake);
    FAIL() << "deploy succeeded";
  } catch (const DeployError& e) {
    EXPECT_EQ(e.step(), "exec h1");
    EXPECT_NE(std::string(e.what()).find("File exists"), std::string::npos) << e.what();
  }
  EXPECT_EQ(fake.roll_backs, 1);
  // Everything applied before the failure (and the failing step, journaled before it broke) is in
  // the journal the rollback read.
  EXPECT_EQ(std::set<std::string>(fake.rolled_back_journal.begin(), fake.rolled_back_journal.end()),
            std::set<std::string>(fake.applied.begin(), fake.applied.end()));
  EXPECT_FALSE(lab_exists("fake")) << "nothing left in the state directory";
  // No step that waits for the failed one was applied.
  const auto& failed = step_named("exec h1");
  for (const auto& s : plan_.steps)
    if (std::count(s.after.begin(), s.after.end(), failed.id)) {
      EXPECT_EQ(std::count(fake.applied.begin(), fake.applied.end(), s.describe()), 0) << s.describe();
    }
}

TEST_F(DeployerTest, AnObjectThatBrokeAfterItsStepRollsTheLabBack) {
  FakeSteps fake;
  fake.broken_after = step_named("configure h2").id;
  try {
    deploy(plan_, options_, fake);
    FAIL() << "deploy succeeded";
  } catch (const DeployError& e) {
    EXPECT_EQ(e.step(), "configure h2");
    EXPECT_NE(std::string(e.what()).find("container exited"), std::string::npos);
  }
  EXPECT_EQ(fake.roll_backs, 1);
  EXPECT_EQ(fake.applied.size(), plan_.steps.size());
  EXPECT_FALSE(lab_exists("fake"));
}

TEST_F(DeployerTest, AnInterruptStopsBeforeTheNextStepAndRollsBack) {
  FakeSteps fake;
  interrupted() = true;
  EXPECT_THROW(deploy(plan_, options_, fake), DeployError);
  EXPECT_TRUE(fake.applied.empty());
  EXPECT_EQ(fake.roll_backs, 1);
  EXPECT_FALSE(lab_exists("fake"));
}

TEST_F(DeployerTest, ARefusedLabOrADeployedOneChangesNothing) {
  FakeSteps refused;
  refused.refuse = "image netrig/debian is not built";
  EXPECT_THROW(deploy(plan_, options_, refused), std::runtime_error);
  EXPECT_TRUE(refused.applied.empty());
  EXPECT_FALSE(lab_exists("fake")) << "refused before the state directory was claimed";

  FakeSteps first, second;
  deploy(plan_, options_, first);
  EXPECT_THROW(deploy(plan_, options_, second), LabExistsError);
  EXPECT_TRUE(second.applied.empty());
  EXPECT_EQ(second.roll_backs, 0) << "the deployed lab is not rolled back";
  EXPECT_EQ(read_lab_meta("fake")->status, "deployed");
}

TEST_F(DeployerTest, ProgressIsReportedForEveryStep) {
  FakeSteps fake;
  fake.fail_at = "exec h1";
  std::vector<std::string> failed;
  int started = 0, done = 0;
  options_.on_step = [&](const Step& s, StepEvent e, const std::string& error) {
    if (e == StepEvent::Started) ++started;
    if (e == StepEvent::Done) ++done;
    if (e == StepEvent::Failed) failed.push_back(s.describe() + ": " + error);
  };
  EXPECT_THROW(deploy(plan_, options_, fake), DeployError);
  EXPECT_EQ(failed, (std::vector<std::string>{"exec h1: File exists"}));
  EXPECT_EQ(started, done + 1);
}

TEST(KernelSteps, EveryStepKindHasADriver) {
  for (int k = static_cast<int>(StepKind::CreateNetns); k <= static_cast<int>(StepKind::ConfigureUnderlay); ++k)
    EXPECT_TRUE(kernel_step_has_driver(static_cast<StepKind>(k))) << to_string(static_cast<StepKind>(k));
}

}  // namespace
}  // namespace netrig
