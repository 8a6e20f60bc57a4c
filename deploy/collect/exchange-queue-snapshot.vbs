' exchange-queue-snapshot.vbs - one CSV snapshot of this Exchange 2003 or 2000 server's local
' delivery queue, read from WMI, for check_exchange_delivery (queue --queue-snapshot) and
' exchange_delivery_exporter ([queue_snapshot] file). Part of exchange-delivery-monitor.
'
' Runs with the cscript.exe every Windows Server 2003 has; nothing to install.
'
'   cscript //Nologo exchange-queue-snapshot.vbs /dir:"C:\Program Files\Exchsrvr\EXCH01.log"
'   cscript //Nologo exchange-queue-snapshot.vbs /out:"D:\Exchsrvr\EXCH01.log\EXCH01-queue.csv"
'   cscript //Nologo exchange-queue-snapshot.vbs /list
'
'   /dir:DIR     write DIR\<SERVER>-queue.csv: use the directory Exchange writes the message
'                tracking logs to (shared as \\<SERVER>\<SERVER>.log), so the monitoring host
'                finds the snapshot on the share it already mounts
'   /out:FILE    write exactly this file instead
'   /server:NAME the server column (default: %COMPUTERNAME%, which is the server's cn in AD)
'   /list        print every link (Exchange_SMTPLink, or ExchangeLink on Exchange 2000) with all
'                its properties and exit; run it once on a real server to see the property
'                names and values this script relies on
'
' Exit codes: 0 written, 1 WMI or file error (message on stderr), 2 bad arguments.
'
' Source: WMI namespace root\MicrosoftExchangeV2, class Exchange_SMTPLink (Exchange Server 2003
' SDK; it inherits its properties from Exchange_Link). Exchange 2000 has no such namespace: there
' the script falls back to class ExchangeLink in root\cimv2\applications\exchange (the
' Exchange 2000 queue provider, documented in the same SDK), whose links of every protocol are
' told apart by the same StateFlags bits. A server with neither (Exchange 2000 without its WMI
' queue provider) gets exit code 1 and a message naming both. What the public documentation
' confirms and what it does not, and how this script copes:
'   confirmed for Exchange_Link (2003): LinkName, VirtualServerName, OldestMessage (DateTime),
'     StateReady (bit 0x2 of StateFlags), Size
'   documented only for Exchange 2000's ExchangeLink (root\cimv2\applications\exchange), expected
'     on Exchange_Link too: StateFlags, StateRetry (bit 0x4), TypeLocalDelivery (bit 0x200),
'     NextScheduledConnection; message count as NumberOfMessages (2000) or MessageCount
'   so: the message count is MessageCount, else NumberOfMessages; the size is Size, else
'     SizeOfQueue; retry is StateRetry, else StateFlags bit 0x4; a link is a local delivery link
'     when TypeLocalDelivery is true, else when StateFlags bit 0x200 is set, else when its
'     LinkName contains "Local Delivery". A property that is absent leaves its column empty.
'
' The file (the contract: the readers match these column names case-insensitively, require
' snapshot_utc, server, link_name, message_count, oldest_message_utc and state_retry, and ignore
' columns they do not know). CSV, comma separated, CRLF line ends, a header line, then one line
' per local delivery link; text fields in double quotes (a quote inside doubled). When the
' server has no local delivery link at all (an empty queue), one line with an empty link_name
' and message_count 0 still says when and for which server the snapshot was taken.
'
' Columns:
'   snapshot_utc          when the snapshot was taken, UTC, 2026-11-25T17:40:00Z (every line)
'   server                the Exchange server (/server:, default %COMPUTERNAME%)
'   virtual_server        VirtualServerName: the SMTP virtual server's number (usually 1)
'   link_name             LinkName of the local delivery link
'   message_count         messages waiting in the link (MessageCount / NumberOfMessages)
'   size_bytes            total size of those messages in bytes (Size / SizeOfQueue)
'   oldest_message_utc    OldestMessage in UTC, empty when the link holds no message
'   state_retry           1 when the link is retrying a failed delivery, else 0
'   state_flags           StateFlags as a decimal number, empty when absent
'   next_connection_utc   NextScheduledConnection in UTC, empty when none or absent
' End of columns.
'
' The file is written next to its destination as <FILE>.tmp and renamed over it with
' "move /y", so a reader on the share sees the old snapshot or the new one, never half of one.
'
' Scheduled task (every 5 minutes, as SYSTEM; one line):
'   schtasks /Create /TN "Exchange queue snapshot" /SC MINUTE /MO 5 /RU SYSTEM /TR
'     "cscript.exe //Nologo //B C:\Scripts\exchange-queue-snapshot.vbs
'      /dir:\"C:\Program Files\Exchsrvr\EXCH01.log\""
Option Explicit

Const COLUMNS = "snapshot_utc,server,virtual_server,link_name,message_count,size_bytes,oldest_message_utc,state_retry,state_flags,next_connection_utc"
Const WMI_NAMESPACE = "root\MicrosoftExchangeV2"
Const WMI_CLASS = "Exchange_SMTPLink"
Const WMI_NAMESPACE_2000 = "root\cimv2\applications\exchange"
Const WMI_CLASS_2000 = "ExchangeLink"
Const FLAG_RETRY = 4
Const FLAG_LOCAL_DELIVERY = 512
Const LOCAL_DELIVERY_NAME = "Local Delivery"

Dim gStdErr
Set gStdErr = WScript.StdErr

Sub Fail(code, message)
  gStdErr.WriteLine "exchange-queue-snapshot: " & message
  WScript.Quit code
End Sub

' The value of property `name` of a WMI object, or Null when the class has no such property.
Function Prop(obj, name)
  Dim p
  Prop = Null
  On Error Resume Next
  Set p = obj.Properties_.Item(name)
  If Err.Number = 0 Then Prop = p.Value
  Err.Clear
  On Error GoTo 0
End Function

Function FirstProp(obj, name1, name2)
  FirstProp = Prop(obj, name1)
  If IsNull(FirstProp) Then FirstProp = Prop(obj, name2)
End Function

Function Pad2(n)
  Pad2 = Right("0" & CStr(n), 2)
End Function

Function IsoUtc(t)
  IsoUtc = Year(t) & "-" & Pad2(Month(t)) & "-" & Pad2(Day(t)) & "T" & _
           Pad2(Hour(t)) & ":" & Pad2(Minute(t)) & ":" & Pad2(Second(t)) & "Z"
End Function

' A WMI DATETIME ("yyyymmddHHMMSS.mmmmmmsUUU", UUU = minutes east of UTC) as ISO 8601 UTC; ""
' for Null, wildcards ("*") and the zero/placeholder dates an empty link may report.
Function WmiToIsoUtc(value)
  Dim s, i, t, offset
  WmiToIsoUtc = ""
  If IsNull(value) Then Exit Function
  s = CStr(value)
  If Len(s) < 25 Then Exit Function
  For i = 1 To 14
    If Mid(s, i, 1) < "0" Or Mid(s, i, 1) > "9" Then Exit Function
  Next
  If CInt(Left(s, 4)) < 1980 Then Exit Function
  t = DateSerial(CInt(Mid(s, 1, 4)), CInt(Mid(s, 5, 2)), CInt(Mid(s, 7, 2))) + _
      TimeSerial(CInt(Mid(s, 9, 2)), CInt(Mid(s, 11, 2)), CInt(Mid(s, 13, 2)))
  offset = 0
  If IsNumeric(Mid(s, 23, 3)) Then offset = CInt(Mid(s, 23, 3))
  If Mid(s, 22, 1) = "-" Then offset = -offset
  WmiToIsoUtc = IsoUtc(DateAdd("n", -offset, t))
End Function

Function Quote(s)
  If IsNull(s) Then s = ""
  Quote = """" & Replace(CStr(s), """", """""") & """"
End Function

' A count as plain digits. WMI hands uint64 values to VBScript as strings and uint32 ones as
' numbers; neither may pass through a Double (exponent notation) or the locale (separators).
Function NumberOrEmpty(v)
  Dim s, i
  NumberOrEmpty = ""
  If IsNull(v) Or IsEmpty(v) Then Exit Function
  If VarType(v) = vbBoolean Then Exit Function
  s = Trim(CStr(v))
  If s = "" Then Exit Function
  For i = 1 To Len(s)
    If Mid(s, i, 1) < "0" Or Mid(s, i, 1) > "9" Then Exit Function
  Next
  NumberOrEmpty = s
End Function

'' Whether bit `bit` (a power of two above 1) is set in a StateFlags value, without And's Long
' overflow for values above 2^31.
Function FlagSet(flags, bit)
  FlagSet = ((Fix(CDbl(flags) / bit) Mod 2) = 1)
End Function

Function IsLocalDelivery(link)
  Dim typeLocal, flags
  typeLocal = Prop(link, "TypeLocalDelivery")
  If Not IsNull(typeLocal) Then
    IsLocalDelivery = CBool(typeLocal)
    Exit Function
  End If
  flags = Prop(link, "StateFlags")
  If Not IsNull(flags) Then
    IsLocalDelivery = FlagSet(flags, FLAG_LOCAL_DELIVERY)
    Exit Function
  End If
  IsLocalDelivery = (InStr(1, "" & Prop(link, "LinkName"), LOCAL_DELIVERY_NAME, vbTextCompare) > 0)
End Function

Function RetryFlag(link)
  Dim retry, flags
  RetryFlag = "0"
  retry = Prop(link, "StateRetry")
  If Not IsNull(retry) Then
    If CBool(retry) Then RetryFlag = "1"
    Exit Function
  End If
  flags = Prop(link, "StateFlags")
  If Not IsNull(flags) Then
    If FlagSet(flags, FLAG_RETRY) Then RetryFlag = "1"
  End If
End Function

Function Row(snapshotUtc, server, link)
  Dim count, oldest
  count = NumberOrEmpty(FirstProp(link, "MessageCount", "NumberOfMessages"))
  If count = "" Then count = "0"
  oldest = ""
  If count <> "0" Then oldest = WmiToIsoUtc(Prop(link, "OldestMessage"))
  Row = snapshotUtc & "," & Quote(server) & "," & Quote(Prop(link, "VirtualServerName")) & "," & _
        Quote(Prop(link, "LinkName")) & "," & count & "," & _
        NumberOrEmpty(FirstProp(link, "Size", "SizeOfQueue")) & "," & oldest & "," & _
        RetryFlag(link) & "," & NumberOrEmpty(Prop(link, "StateFlags")) & "," & _
        WmiToIsoUtc(Prop(link, "NextScheduledConnection"))
End Function

Sub ListLinks(links, className)
  Dim link, p
  For Each link In links
    WScript.Echo "-- " & className
    For Each p In link.Properties_
      If IsNull(p.Value) Then
        WScript.Echo "   " & p.Name & " = (null)"
      ElseIf IsArray(p.Value) Then
        WScript.Echo "   " & p.Name & " = (array)"
      Else
        WScript.Echo "   " & p.Name & " = " & CStr(p.Value)
      End If
    Next
  Next
End Sub

' --- main ---------------------------------------------------------------------------------------
Dim args, outFile, outDir, server, listOnly, shell, fso
Set args = WScript.Arguments.Named
Set shell = CreateObject("WScript.Shell")
Set fso = CreateObject("Scripting.FileSystemObject")
server = shell.ExpandEnvironmentStrings("%COMPUTERNAME%")
If args.Exists("server") Then server = args("server")
listOnly = args.Exists("list")
If args.Exists("out") Then outFile = args("out")
If args.Exists("dir") Then outDir = args("dir")
If Not listOnly And outFile = "" And outDir = "" Then Fail 2, "give /dir:DIR or /out:FILE (or /list)"
If outFile = "" And outDir <> "" Then outFile = fso.BuildPath(outDir, server & "-queue.csv")

' The links of class `className` in `namespace`, or Nothing (with the reason in `why`) when the
' namespace or the class is not there. Counting enumerates, so a provider failure shows here.
Function OpenLinks(namespace, className, why)
  Dim service, found, count
  Set OpenLinks = Nothing
  On Error Resume Next
  Set service = GetObject("winmgmts:{impersonationLevel=impersonate}!\\.\" & namespace)
  If Err.Number <> 0 Then
    why = namespace & ": " & Err.Description
    Err.Clear
    Exit Function
  End If
  Set found = service.InstancesOf(className)
  count = found.Count
  If Err.Number <> 0 Then
    why = namespace & " " & className & ": " & Err.Description
    Err.Clear
    Exit Function
  End If
  On Error GoTo 0
  Set OpenLinks = found
End Function

Dim links, link, os, snapshotUtc, lines, n, linkClass, why2003, why2000
' Exchange 2003 first; Exchange 2000's own provider when that namespace or class is missing.
linkClass = WMI_CLASS
Set links = OpenLinks(WMI_NAMESPACE, WMI_CLASS, why2003)
If links Is Nothing Then
  linkClass = WMI_CLASS_2000
  Set links = OpenLinks(WMI_NAMESPACE_2000, WMI_CLASS_2000, why2000)
End If
If links Is Nothing Then
  Fail 1, "cannot read the queues over WMI: this script needs Exchange 2003 (" & why2003 & _
          ") or Exchange 2000 with its WMI queue provider (" & why2000 & ")"
End If
On Error Resume Next
' The snapshot time from the same WMI service, in UTC (LocalDateTime carries the UTC offset).
For Each os In GetObject("winmgmts:\\.\root\cimv2").InstancesOf("Win32_OperatingSystem")
  snapshotUtc = WmiToIsoUtc(os.LocalDateTime)
Next
If Err.Number <> 0 Then Fail 1, "cannot read the time: " & Err.Description
On Error GoTo 0
If snapshotUtc = "" Then Fail 1, "cannot read the time from Win32_OperatingSystem"

If listOnly Then
  ListLinks links, linkClass
  WScript.Quit 0
End If

lines = COLUMNS & vbCrLf
n = 0
For Each link In links
  If IsLocalDelivery(link) Then
    lines = lines & Row(snapshotUtc, server, link) & vbCrLf
    n = n + 1
  End If
Next
If n = 0 Then
  lines = lines & snapshotUtc & "," & Quote(server) & ","""","""",0,,,0,," & vbCrLf
End If

Dim tmpFile, stream, rc
tmpFile = outFile & ".tmp"
On Error Resume Next
Set stream = fso.CreateTextFile(tmpFile, True, False)
If Err.Number <> 0 Then Fail 1, "cannot create " & tmpFile & ": " & Err.Description
stream.Write lines
stream.Close
If Err.Number <> 0 Then Fail 1, "cannot write " & tmpFile & ": " & Err.Description
On Error GoTo 0
' FileSystemObject cannot replace a file in one step; cmd's move /y renames over the old one.
rc = shell.Run("%ComSpec% /c move /y """ & tmpFile & """ """ & outFile & """ >nul", 0, True)
If rc <> 0 Then Fail 1, "cannot rename " & tmpFile & " to " & outFile & " (move exit " & rc & ")"
WScript.Quit 0
