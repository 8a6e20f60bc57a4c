#include "exdm/events/run.h"

#include <memory>
#include <optional>
#include <utility>

#include "exdm/base/bounded_call.h"
#include "exdm/state/location.h"
#include "exdm/state/state_file.h"

namespace exdm {
namespace {

struct WorkOutput {
  EventEvidence evidence;
  StateSnapshot next;
  std::vector<std::string> notes;
};

}  // namespace

std::vector<std::string> EventInputs(const std::vector<NamedPath>& files) {
  std::vector<std::string> inputs;
  for (const NamedPath& f : files)
    inputs.push_back(f.server + "=" + f.path);
  return inputs;
}

Result<EventRunResult> RunEventAnalysis(const EventRunOptions& o, const Deadline& deadline) {
  EventRunResult result;
  auto claim = ReaderClaim::Take(o.reader_slot, "the event exports");
  if (!claim) return claim.status();
  std::optional<StateFile> state;
  auto previous = std::make_shared<StateSnapshot>();
  if (!o.state_path.empty()) {
    auto sf =
        StateFile::Acquire(o.state_path, o.consumer, InputsKey(EventInputs(o.files)), deadline);
    if (!sf) return sf.status().WithContext("state file");
    state.emplace(std::move(*sf));
    *previous = state->TakePrevious();
    result.warnings = state->warnings();
  }

  EventCollectOptions collect;
  collect.files = o.files;
  collect.time_zone = o.time_zone;
  collect.now = o.now;
  collect.window_start = o.window_start;
  // The reading runs on a helper thread that owns everything it touches (see bounded_call.h).
  auto work =
      RunBounded<WorkOutput>(deadline, std::move(*claim),
                             [collect, previous](WorkProgress& progress) -> Result<WorkOutput> {
                               progress.Set("reading event exports");
                               WorkOutput w;
                               auto r = CollectEventEvidence(collect, *previous, &w.next, &w.notes);
                               if (!r) return r.status();
                               w.evidence = std::move(*r);
                               return w;
                             });
  if (!work) return work.status();
  if (state) result.state_commit = state->Commit(work->next);
  result.evidence = std::move(work->evidence);
  result.notes = std::move(work->notes);
  return result;
}

}  // namespace exdm
