#include "tracking_rows.h"

#include "exdm/base/time_util.h"

namespace exdm::testing {

const char kTrackingLogHeader[] =
    "# Message Tracking Log File\n"
    "# Exchange System Attendant Version 6.5.7638.1\n"
    "# Date\tTime\tclient-ip\tClient-hostname\tPartner-Name\tServer-hostname\tserver-IP\t"
    "Recipient-Address\tEvent-ID\tMSGID\tPriority\tRecipient-Report-Status\ttotal-bytes\t"
    "Number-Recipients\tOrigination-Time\tEncryption\tservice-Version\tLinked-MSGID\t"
    "Message-Subject\tSender-Address\n";

std::string TrackingRow(const std::string& date, const std::string& time, const std::string& rcpt,
                        int event, const std::string& msgid) {
  return date + "\t" + time + " GMT\t-\t-\t-\tEXCH01.contoso.com\t192.0.2.10\t" + rcpt + "\t" +
         std::to_string(event) + "\t" + msgid + "\t0\t0\t4512\t1\t" + date + " " + time +
         " GMT\t0\tVersion: 6.0.3790.1830\t-\tStatus\tsender@fabrikam.example\n";
}

std::string TrackingRowAt(int64_t unix_time, const std::string& rcpt, int event,
                          const std::string& msgid) {
  const std::string iso = FormatIso8601Utc(unix_time);  // 2026-11-25T09:05:01Z
  const int hour = std::stoi(iso.substr(11, 2));
  return TrackingRow(iso.substr(0, 10), std::to_string(hour) + iso.substr(13, 6), rcpt, event,
                     msgid);
}

}  // namespace exdm::testing
