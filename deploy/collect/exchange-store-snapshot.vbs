' exchange-store-snapshot.vbs - the store's own view of its SMTP and system mailboxes, and the
' domain controllers and global catalogs this server really uses, read from WMI on an Exchange
' server, as two CSV files for check_exchange_delivery (mailbox and all: --mailbox-snapshot,
' --dsaccess-snapshot) and exchange_delivery_exporter ([mailbox_snapshot], [dsaccess_snapshot]).
' Part of exchange-delivery-monitor.
'
' Runs with the cscript.exe every Windows Server 2000/2003 has; nothing to install. Self-contained
' like exchange-queue-snapshot.vbs (one file to copy), so the WMI time helpers are the same there.
'
'   cscript //Nologo exchange-store-snapshot.vbs /dir:"C:\Program Files\Exchsrvr\EXCH01.log"
'   cscript //Nologo exchange-store-snapshot.vbs /mailboxes:D:\snap\EXCH01-mailboxes.csv
'                                                /dsaccess:D:\snap\EXCH01-dsaccess.csv
'   cscript //Nologo exchange-store-snapshot.vbs /list
'
'   /dir:DIR        write DIR\<SERVER>-mailboxes.csv and DIR\<SERVER>-dsaccess.csv: use the
'                   directory Exchange writes the message tracking logs to (shared as
'                   \\<SERVER>\<SERVER>.log), so the monitoring host finds both on the share it
'                   already mounts
'   /mailboxes:FILE write the mailboxes file exactly here instead
'   /dsaccess:FILE  write the DSAccess file exactly here instead
'   /server:NAME    the server column (default: %COMPUTERNAME%, which is the server's cn in AD)
'   /list           print every SMTP and system mailbox and every DSAccess DC with all their
'                   properties and exit; run it once on a real server to see what it really has
'
' Exit codes: 0 written, 1 WMI or file error (message on stderr), 2 bad arguments.
'
' Exchange 2000 Server has no Exchange_Mailbox class (it came with Exchange 2003); its
' Exchange_DSAccessDC came with Exchange 2000 SP2. On Exchange 2000 the script writes the DSAccess
' file only, says on stderr that the store's own view needs Exchange 2003, and exits 0; do not
' give that server a --mailbox-snapshot / [mailbox_snapshot] file.
'
' Sources: WMI namespace root\MicrosoftExchangeV2 (Exchange Server 2003 SDK).
'   Exchange_Mailbox: one instance per row of a mounted store's mailbox table (provider
'     ExchangeMapiTableProvider). Documented: ServerName, StorageGroupName, StoreName, LegacyDN,
'     MailboxGUID (the keys), MailboxDisplayName, LastLogonTime, Size, TotalItems.
'     DateDiscoveredAbsentInDS: when the store found the mailbox's directory object gone (a
'     disconnected mailbox); empty while it is connected. The store may set it only when its
'     cleanup agent runs, so a disconnected mailbox can look connected for a while.
'   Exchange_DSAccessDC: Name, Type (0 configuration DC, 1 domain controller of the local
'     domain, 2 global catalog), IsUp, IsInSync, LDAPPort; one instance per DC and role.
'
' The files (the contract: the readers match the column names case-insensitively, require all
' but the last two mailboxes columns and the last DSAccess column, and ignore columns they do not
' know). CSV, comma separated, CRLF line ends, a header line; text fields in double quotes (a
' quote inside doubled); times ISO 8601 UTC (2003-11-12T09:29:00Z); every line of a file carries
' the same snapshot_utc and server.
'
' <SERVER>-mailboxes.csv: one line per mailbox whose display name starts with "SMTP (" (a
' store's SMTP mailbox, "SMTP (EXCH01-{<store GUID>})") or "SystemMailbox{" (a store's system
' mailbox); then one line per store that listed any mailbox at all, with display_name,
' legacy_dn, mailbox_guid and absent_in_ds_utc empty: the store answered, so it is mounted (a
' dismounted store lists nothing). When no store answered, one line with storage_group and store
' empty still says when and for which server the snapshot was taken.
'
' Mailboxes columns:
'   snapshot_utc       when the snapshot was taken, UTC (every line)
'   server             the Exchange server (/server:, default %COMPUTERNAME%)
'   storage_group      StorageGroupName
'   store              StoreName
'   display_name       MailboxDisplayName
'   legacy_dn          LegacyDN
'   mailbox_guid       MailboxGUID
'   absent_in_ds_utc   DateDiscoveredAbsentInDS in UTC; empty while the mailbox is connected
' End of mailboxes columns.
'
' <SERVER>-dsaccess.csv: one line per Exchange_DSAccessDC; when there is none, one line with
' dc_name empty.
'
' DSAccess columns:
'   snapshot_utc       when the snapshot was taken, UTC (every line)
'   server             the Exchange server
'   dc_name            Name of the domain controller or global catalog
'   type               Type as a word: config (0), domain (1), gc (2)
'   is_up              IsUp: 1 when it answered the last time Exchange tried it, else 0
'   is_in_sync         IsInSync: 1 when it is in step with the GC and configuration DC, else 0
'   ldap_port          LDAPPort, empty when absent
' End of DSAccess columns.
'
' Each file is written next to its destination as <FILE>.tmp and renamed over it with
' "move /y", so a reader on the share sees the old snapshot or the new one, never half of one.
'
' Scheduled task (every 5 minutes, as SYSTEM; one line):
'   schtasks /Create /TN "Exchange store snapshot" /SC MINUTE /MO 5 /RU SYSTEM /TR
'     "cscript.exe //Nologo //B C:\Scripts\exchange-store-snapshot.vbs
'      /dir:\"C:\Program Files\Exchsrvr\EXCH01.log\""
Option Explicit

Const MAILBOX_COLUMNS = "snapshot_utc,server,storage_group,store,display_name,legacy_dn,mailbox_guid,absent_in_ds_utc"
Const DSACCESS_COLUMNS = "snapshot_utc,server,dc_name,type,is_up,is_in_sync,ldap_port"
Const WMI_NAMESPACE = "root\MicrosoftExchangeV2"
Const MAILBOX_CLASS = "Exchange_Mailbox"
Const DSACCESS_CLASS = "Exchange_DSAccessDC"
Const WBEM_E_NOT_FOUND = &H80041002
Const WBEM_E_INVALID_CLASS = &H80041010

Dim gStdErr
Set gStdErr = WScript.StdErr

Sub Fail(code, message)
  gStdErr.WriteLine "exchange-store-snapshot: " & message
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

Function Pad2(n)
  Pad2 = Right("0" & CStr(n), 2)
End Function

Function IsoUtc(t)
  IsoUtc = Year(t) & "-" & Pad2(Month(t)) & "-" & Pad2(Day(t)) & "T" & _
            Pad2(Hour(t)) & ":" & Pad2(Minute(t)) & ":" & Pad2(Second(t)) & "Z"
End Function

' A WMI DATETIME ("yyyymmddHHMMSS.mmmmmmsUUU", UUU = minutes east of UTC) as ISO 8601 UTC; ""
' for Null, wildcards ("*") and the zero dates an unset time may carry.
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
  If IsNull(s) Or IsEmpty(s) Then s = ""
  Quote = """" & Replace(CStr(s), """", """""") & """"
End Function

Function Bit(v)
  Bit = "0"
  If IsNull(v) Then Exit Function
  If CBool(v) Then Bit = "1"
End Function

Function PortOrEmpty(v)
  PortOrEmpty = ""
  If IsNull(v) Or IsEmpty(v) Then Exit Function
  If IsNumeric(v) Then PortOrEmpty = CStr(CLng(v))
End Function

Function IsStoreMailbox(name)
  IsStoreMailbox = (Left(name, 6) = "SMTP (") Or (Left(name, 14) = "SystemMailbox{")
End Function

Function RoleWord(t)
  RoleWord = ""
  If IsNull(t) Then Exit Function
  Select Case CLng(t)
    Case 0: RoleWord = "config"
    Case 1: RoleWord = "domain"
    Case 2: RoleWord = "gc"
  End Select
End Function

' The instances of `cls`; Nothing when the class does not exist here (Exchange 2000 has no
' Exchange_Mailbox). Any other WMI failure ends the script.
Function InstancesOrNothing(wmi, cls)
  Dim items, n
  Set InstancesOrNothing = Nothing
  On Error Resume Next
  Set items = wmi.InstancesOf(cls)
  n = items.Count  ' enumerates now, so a provider failure is reported here
  If Err.Number = WBEM_E_NOT_FOUND Or Err.Number = WBEM_E_INVALID_CLASS Then
    Err.Clear
    Exit Function
  End If
  If Err.Number <> 0 Then Fail 1, "cannot enumerate " & cls & ": " & Err.Description
  On Error GoTo 0
  Set InstancesOrNothing = items
End Function

Function MailboxLines(snapshotUtc, server, mailboxes)
  Dim lines, mbx, name, sg, store, key, answered, k, parts
  Set answered = CreateObject("Scripting.Dictionary")
  lines = MAILBOX_COLUMNS & vbCrLf
  For Each mbx In mailboxes
    name = "" & Prop(mbx, "MailboxDisplayName")
    sg = "" & Prop(mbx, "StorageGroupName")
    store = "" & Prop(mbx, "StoreName")
    key = sg & vbTab & store
    If Not answered.Exists(key) Then answered.Add key, True
    If IsStoreMailbox(name) Then
      lines = lines & snapshotUtc & "," & Quote(server) & "," & Quote(sg) & "," & _
              Quote(store) & "," & Quote(name) & "," & Quote(Prop(mbx, "LegacyDN")) & "," & _
              Quote(Prop(mbx, "MailboxGUID")) & "," & _
              WmiToIsoUtc(Prop(mbx, "DateDiscoveredAbsentInDS")) & vbCrLf
    End If
  Next
  For Each k In answered.Keys
    parts = Split(k, vbTab)
    lines = lines & snapshotUtc & "," & Quote(server) & "," & Quote(parts(0)) & "," & _
            Quote(parts(1)) & ","""","""",""""," & vbCrLf
  Next
  If answered.Count = 0 Then
    lines = lines & snapshotUtc & "," & Quote(server) & ","""","""","""","""",""""," & vbCrLf
  End If
  MailboxLines = lines
End Function

Function DsAccessLines(snapshotUtc, server, dcs)
  Dim lines, dc, role, n
  lines = DSACCESS_COLUMNS & vbCrLf
  n = 0
  For Each dc In dcs
    role = RoleWord(Prop(dc, "Type"))
    If role = "" Then
      gStdErr.WriteLine "exchange-store-snapshot: skipped " & Prop(dc, "Name") & _
                        ": unknown Type " & Prop(dc, "Type")
    Else
      lines = lines & snapshotUtc & "," & Quote(server) & "," & Quote(Prop(dc, "Name")) & "," & _
              role & "," & Bit(Prop(dc, "IsUp")) & "," & Bit(Prop(dc, "IsInSync")) & "," & _
              PortOrEmpty(Prop(dc, "LDAPPort")) & vbCrLf
      n = n + 1
    End If
  Next
  If n = 0 Then lines = lines & snapshotUtc & "," & Quote(server) & ","""",,0,0," & vbCrLf
  DsAccessLines = lines
End Function

' Writes `text` to <file>.tmp and renames it over `file`.
Sub WriteAtomically(fso, shell, file, text)
  Dim tmpFile, stream, rc
  tmpFile = file & ".tmp"
  On Error Resume Next
  Set stream = fso.CreateTextFile(tmpFile, True, False)
  If Err.Number <> 0 Then Fail 1, "cannot create " & tmpFile & ": " & Err.Description
  stream.Write text
  stream.Close
  If Err.Number <> 0 Then Fail 1, "cannot write " & tmpFile & ": " & Err.Description
  On Error GoTo 0
  ' FileSystemObject cannot replace a file in one step; cmd's move /y renames over the old one.
  rc = shell.Run("%ComSpec% /c move /y """ & tmpFile & """ """ & file & """ >nul", 0, True)
  If rc <> 0 Then Fail 1, "cannot rename " & tmpFile & " to " & file & " (move exit " & rc & ")"
End Sub

Sub ListAll(cls, items, onlyStoreMailboxes)
  Dim item, p
  If items Is Nothing Then
    WScript.Echo "-- " & cls & ": no such class here (Exchange 2000?)"
    Exit Sub
  End If
  For Each item In items
    If Not onlyStoreMailboxes Or IsStoreMailbox("" & Prop(item, "MailboxDisplayName")) Then
      WScript.Echo "-- " & cls
      For Each p In item.Properties_
        If IsNull(p.Value) Then
          WScript.Echo "   " & p.Name & " = (null)"
        ElseIf IsArray(p.Value) Then
          WScript.Echo "   " & p.Name & " = (array)"
        Else
          WScript.Echo "   " & p.Name & " = " & CStr(p.Value)
        End If
      Next
    End If
  Next
End Sub

' --- main ---------------------------------------------------------------------------------------
Dim args, shell, fso, server, listOnly, outDir, mailboxFile, dsaccessFile
Set args = WScript.Arguments.Named
Set shell = CreateObject("WScript.Shell")
Set fso = CreateObject("Scripting.FileSystemObject")
server = shell.ExpandEnvironmentStrings("%COMPUTERNAME%")
If args.Exists("server") Then server = args("server")
listOnly = args.Exists("list")
If args.Exists("dir") Then outDir = args("dir")
If args.Exists("mailboxes") Then mailboxFile = args("mailboxes")
If args.Exists("dsaccess") Then dsaccessFile = args("dsaccess")
If outDir <> "" Then
  If mailboxFile = "" Then mailboxFile = fso.BuildPath(outDir, server & "-mailboxes.csv")
  If dsaccessFile = "" Then dsaccessFile = fso.BuildPath(outDir, server & "-dsaccess.csv")
End If
If Not listOnly And mailboxFile = "" And dsaccessFile = "" Then
  Fail 2, "give /dir:DIR, or /mailboxes:FILE and/or /dsaccess:FILE (or /list)"
End If

Dim wmi, mailboxes, dcs, os, snapshotUtc
On Error Resume Next
Set wmi = GetObject("winmgmts:{impersonationLevel=impersonate}!\\.\" & WMI_NAMESPACE)
If Err.Number <> 0 Then Fail 1, "cannot open WMI namespace " & WMI_NAMESPACE & ": " & Err.Description
On Error GoTo 0
Set mailboxes = InstancesOrNothing(wmi, MAILBOX_CLASS)
Set dcs = InstancesOrNothing(wmi, DSACCESS_CLASS)
' The snapshot time from the same WMI service, in UTC (LocalDateTime carries the UTC offset).
On Error Resume Next
For Each os In GetObject("winmgmts:\\.\root\cimv2").InstancesOf("Win32_OperatingSystem")
  snapshotUtc = WmiToIsoUtc(os.LocalDateTime)
Next
If Err.Number <> 0 Then Fail 1, "cannot read the time: " & Err.Description
On Error GoTo 0
If snapshotUtc = "" Then Fail 1, "cannot read the time from Win32_OperatingSystem"

If listOnly Then
  ListAll MAILBOX_CLASS, mailboxes, True
  ListAll DSACCESS_CLASS, dcs, False
  WScript.Quit 0
End If

If dsaccessFile <> "" Then
  If dcs Is Nothing Then Fail 1, DSACCESS_CLASS & " does not exist here (Exchange 2000 before SP2?)"
  WriteAtomically fso, shell, dsaccessFile, DsAccessLines(snapshotUtc, server, dcs)
End If
If mailboxFile <> "" Then
  If mailboxes Is Nothing Then
    gStdErr.WriteLine "exchange-store-snapshot: " & MAILBOX_CLASS & " does not exist here: the " & _
                      "store's own view needs Exchange Server 2003 (Exchange 2000 has no such " & _
                      "class); no mailboxes file written"
  Else
    WriteAtomically fso, shell, mailboxFile, MailboxLines(snapshotUtc, server, mailboxes)
  End If
End If
WScript.Quit 0
