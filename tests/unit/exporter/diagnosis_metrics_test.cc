// exchange_delivery_diagnosis as rendered: one series per diagnosis with the kind as `cause`, the
// store's labels (a server's diagnosis with storage_group and store empty, a store known only by
// its 326 GUID under that GUID), none at all without a diagnosis.
#include "diagnosis_metrics.h"

#include <gtest/gtest.h>

#include "snapshot.h"

namespace exdm::exporter {
namespace {

std::string Render(const Diagnosis& diagnosis) {
  return RenderFamilies({DiagnosisFamily(diagnosis)});
}

TEST(DiagnosisMetricsTest, OneSeriesPerDiagnosisNamedByItsKind) {
  Diagnosis d;
  StoreDiagnosis sales;
  sales.store = {"EXCH01", "First Storage Group", "Sales"};
  sales.store_guid = "bc042b31-2bd0-4bc0-b406-08b429f4e843";
  sales.kind = DiagnosisKind::kSmtpMailbox;
  d.stores.push_back(sales);
  StoreDiagnosis unnamed;  // no audit: the store is known by the GUID its 326 names
  unnamed.store.server = "EXCH02";
  unnamed.store_guid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
  unnamed.kind = DiagnosisKind::kGatewayUnchecked;
  d.stores.push_back(unnamed);
  ServerDiagnosis exhausted;
  exhausted.server = "EXCH03";
  exhausted.kind = DiagnosisKind::kStoreSideExhaustion;
  d.servers.push_back(exhausted);

  const std::string text = Render(d);
  EXPECT_NE(text.find("# TYPE exchange_delivery_diagnosis gauge\n"), std::string::npos) << text;
  EXPECT_NE(text.find("exchange_delivery_diagnosis{server=\"EXCH01\",storage_group=\"First Storage "
                      "Group\",store=\"Sales\",cause=\"smtp_mailbox\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("exchange_delivery_diagnosis{server=\"EXCH02\",storage_group=\"\",store=\""
                      "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\",cause=\"gateway_unchecked\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("exchange_delivery_diagnosis{server=\"EXCH03\",storage_group=\"\",store=\"\","
                      "cause=\"store_side_exhaustion\"} 1\n"),
            std::string::npos)
      << text;
}

TEST(DiagnosisMetricsTest, EveryKindIsACauseAsTheCheckNamesIt) {
  for (DiagnosisKind kind : {DiagnosisKind::kSmtpMailbox, DiagnosisKind::kGatewayUnchecked,
                             DiagnosisKind::kSystemMailboxMissing, DiagnosisKind::kPermissionsOrGc,
                             DiagnosisKind::kPoisonMessage, DiagnosisKind::kStoreSideExhaustion,
                             DiagnosisKind::kUnexplainedStall}) {
    Diagnosis d;
    ServerDiagnosis s;
    s.server = "EXCH01";
    s.kind = kind;
    d.servers.push_back(s);
    EXPECT_NE(Render(d).find("cause=\"" + std::string(DiagnosisKindName(kind)) + "\"} 1"),
              std::string::npos)
        << DiagnosisKindName(kind);
  }
}

TEST(DiagnosisMetricsTest, NoDiagnosisNoSeries) {
  const std::string text = Render(Diagnosis());
  EXPECT_EQ(text.find("exchange_delivery_diagnosis{"), std::string::npos) << text;
}

}  // namespace
}  // namespace exdm::exporter
