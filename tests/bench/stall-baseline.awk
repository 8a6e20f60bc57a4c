# Baseline for the tracking-log throughput benchmark (bench_tracking_throughput, tests/bench): a
# mawk script, what an admin would write by hand. tracking_bench runs it with /usr/bin/mawk on the
# same generated log in the same run, compares its time with check_exchange_delivery's (bar: 10x
# faster) and requires the same stalled and retry counts.
# Per (MSGID, recipient) it keeps the latest local-delivery state and counts retries; at the end it
# prints the number of pairs whose latest event is a retry, and the total number of retries.
# Run: mawk -f stall-baseline.awk YYYYMMDD.log
# Columns are by position of the standard Exchange 2003 header (8 = Recipient-Address, 9 = Event-ID,
# 10 = MSGID); unlike the product it knows neither tentative attempts nor vanished pairs, so the
# two agree only on logs like the generated benchmark log (which the benchmark checks).
BEGIN { FS = "\t" }
/^#/ { next }
{
  k = $10 SUBSEP $8; e = $9
  if (e == 1036) { first[k] = $1 " " $2; st[k] = "q" }
  else if (e == 1028 || e == 1023) { st[k] = "d" }
  else if (e == 1037) { st[k] = "r"; if (!(k in first)) first[k] = $1 " " $2; retries++ }
  else if (e == 1030 || e == 1021) { delete st[k]; delete first[k] }
}
END { n = 0; for (k in st) if (st[k] == "r") n++; print n, retries + 0 }
