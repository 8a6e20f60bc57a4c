@echo off
rem Exports the Application log events exchange-delivery-monitor uses as CSV with Microsoft Log
rem Parser 2.2, for Exchange servers where no agent may be installed. Run every 5 minutes by the
rem Task Scheduler (Windows Server 2003 syntax; the account needs to read the event log and write
rem the output folder, e.g. the built-in SYSTEM account):
rem   schtasks /create /tn "exchange-delivery-monitor events" /tr "C:\ExchangeMonitor\logparser-export.cmd" /sc minute /mo 5 /ru SYSTEM
rem The monitoring host reads the output through a read-only share of C:\ExchangeMonitor
rem (\\EXCH01\ExchangeMonitor$), mounted like the tracking logs; point the tool at
rem   --event-file EXCH01=/srv/exchange/EXCH01.events/EXCH01-application.csv --event-tz Europe/Berlin
rem TimeGenerated is the LOCAL time of this server, without a zone: --event-tz (or [events] tz)
rem must name this server's Windows time zone as a tz database name (W. Europe Standard Time ->
rem Europe/Berlin, GMT Standard Time -> Europe/London, Eastern Standard Time -> America/New_York).
rem
rem -iCheckpoint: each run exports only events newer than the last run; -fileMode:0 appends;
rem -headers:AUTO writes the header line only when the file is created; -oDQuotes:ON quotes every
rem string (messages contain commas); -oCodepage:65001 writes UTF-8; -formatMsg:OFF keeps each message's
rem lines (DSAccess 2080 lists one directory server per line; quoted, so CSV readers cope). Rotate the file by deleting it together with the checkpoint.
"C:\Program Files\Log Parser 2.2\LogParser.exe" -i:EVT -formatMsg:OFF -o:CSV -iCheckpoint:C:\ExchangeMonitor\application.lpc -fileMode:0 -headers:AUTO -oDQuotes:ON -oCodepage:65001 "SELECT TimeGenerated, EventID, SourceName, ComputerName, EventCategoryName, Strings, Message INTO C:\ExchangeMonitor\EXCH01-application.csv FROM Application WHERE (SourceName = 'MSExchangeTransport' AND EventID IN (326; 327)) OR (SourceName = 'MSExchangeIS' AND EventID = 1194) OR (SourceName = 'EXOLEDB' AND EventID = 116) OR (SourceName = 'MSExchangeDSAccess' AND EventID IN (2080; 2081))"
