// WMI DSAccess snapshot CSVs (exdm/store/dsaccess_snapshot.h) and their comparison with the
// audited -H views (exdm/diagnosis/dsaccess_view.h).
// Input: byte 0 picks the expected server (bit 0: "" = the file's, or "EXCH01") and the audit
// (bit 1: one view of ldap://dc1.contoso.com, else none); the rest is the file.
// Properties: a snapshot either parses or is refused with a message; a parsed one has a server
// and named DCs; every finding names that server and a DC of the snapshot; the GCs in use are
// DCs of the snapshot listed as GC and up; without an audit nothing is called not audited.
#include <algorithm>
#include <string>

#include "exdm/base/text_util.h"
#include "exdm/diagnosis/dsaccess_view.h"
#include "exdm/store/dsaccess_snapshot.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  exdm::fuzz::Input in(data, size);
  const uint8_t params = in.Byte();
  const std::string expected = params & 1 ? "EXCH01" : "";
  auto snapshot = exdm::ParseDsAccessSnapshot(in.rest(), expected);
  if (!snapshot.ok()) {
    FUZZ_CHECK(!snapshot.status().message().empty(), "a refused snapshot says why");
    return 0;
  }
  FUZZ_CHECK(!snapshot->server.empty(), "a snapshot names its server");
  auto listed = [&](const std::string& name, bool gc_up) {
    return std::any_of(snapshot->dcs.begin(), snapshot->dcs.end(), [&](const exdm::DsAccessDc& d) {
      return exdm::EqualsIgnoreCase(d.name, name) &&
             (!gc_up || (d.role == exdm::DsAccessRole::kGlobalCatalog && d.up));
    });
  };
  for (const exdm::DsAccessDc& dc : snapshot->dcs)
    FUZZ_CHECK(!dc.name.empty(), "a DC has a name");
  exdm::AuditReport audit;
  audit.sources.push_back({"ldap://dc1.contoso.com", true, std::nullopt, {}});
  const bool audited = (params & 2) != 0;
  const exdm::DsAccessView view = exdm::AnalyzeDsAccess({*snapshot}, audited ? &audit : nullptr);
  for (const exdm::DsAccessFinding& f : view.findings) {
    FUZZ_CHECK(f.server == snapshot->server, "a finding names the snapshot's server");
    FUZZ_CHECK(listed(f.dc, false), "a finding names a listed DC");
    FUZZ_CHECK(!f.text.empty(), "a finding says what it is");
    FUZZ_CHECK(audited || f.kind != exdm::DsAccessFindingKind::kGcNotAudited,
               "no audit, no gc_not_audited");
  }
  for (const std::string& gc : view.GlobalCatalogsOf(snapshot->server))
    FUZZ_CHECK(listed(gc, true), "GCs in use are listed as GC and up");
  return 0;
}
