// Helper of tst_registry_concurrency: one process acting on a workspace's registry.
//   registry_mover WS move NAME ALIAS COUNT V1 V2 ACTOR START   moves ALIAS COUNT times,
//       alternating V1 and V2; prints "changed K" (moves that wrote an event)
//   registry_mover WS register NAME COUNT START                 registers COUNT versions;
//       prints each number it got
// START (Unix seconds) lines up the processes: each waits for it before the first write.
#include <chrono>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "core/common/clock.h"
#include "core/common/numbers.h"
#include "core/objects/object_store.h"
#include "core/registry/registry.h"
#include "core/store/database.h"
#include "core/workspace/workspace.h"

namespace {

int fail(const std::string& message) {
  std::cerr << "registry_mover: " << message << '\n';
  return 1;
}

void waitUntil(const std::string& start) {
  const double t = wb::parseDouble(start).value_or(0);
  while (wb::unixNow() < t) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

int move(wb::registry::ModelRegistry& reg, const std::vector<std::string>& a) {
  const auto count = wb::parseInt(a[4]), v1 = wb::parseInt(a[5]), v2 = wb::parseInt(a[6]);
  if (!count || !v1 || !v2) return fail("COUNT, V1 and V2 must be numbers");
  waitUntil(a[8]);
  int changed = 0;
  for (int i = 0; i < *count; ++i) {
    bool moved = false;
    const int version = static_cast<int>(i % 2 == 0 ? *v1 : *v2);
    if (auto st = reg.setAlias(a[2], a[3], version, "move " + std::to_string(i), a[7], &moved); !st)
      return fail(st.error().text());
    changed += moved ? 1 : 0;
    // Outside the transaction: gives the other process a chance between moves, so the two
    // interleave instead of one finishing within its time slice.
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  std::cout << "changed " << changed << '\n';
  return 0;
}

int registerMany(wb::registry::ModelRegistry& reg, const std::vector<std::string>& a) {
  const auto count = wb::parseInt(a[3]);
  if (!count) return fail("COUNT must be a number");
  waitUntil(a[4]);
  wb::registry::NewVersion nv;
  nv.name = a[2];
  nv.model_type = "mlp";
  nv.actor = "registry_mover";
  for (int i = 0; i < *count; ++i) {
    auto v = reg.registerVersion(nv, [](const std::string& name, int version) {
      return wb::Result<std::string>("bundle of " + name + "/" + std::to_string(version));
    });
    if (!v) return fail(v.error().text());
    std::cout << v->version << '\n';
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> a(argv + 1, argv + argc);
  const bool is_move = a.size() == 9 && a[1] == "move";
  const bool is_register = a.size() == 5 && a[1] == "register";
  if (!is_move && !is_register)
    return fail("usage: registry_mover WS move NAME ALIAS COUNT V1 V2 ACTOR START | "
                "registry_mover WS register NAME COUNT START");
  auto ws = wb::Workspace::open(a[0]);
  if (!ws) return fail(ws.error().text());
  auto db = ws->connect();
  if (!db) return fail(db.error().text());
  wb::objects::ObjectStore objects(ws->objectsDir());
  wb::registry::ModelRegistry reg(**db, objects);
  return is_move ? move(reg, a) : registerMany(reg, a);
}
