"""The PowerShell that runs on each Windows host, and the short command line that starts it.

cmd.exe limits a command line to about 8,000 characters and `-EncodedCommand` triples a script's
size (UTF-16 then base64), so the script itself travels in the shell's environment (GITC_PS,
base64 UTF-8) and the command line only decodes and runs it. The script writes exactly one JSON
document to stdout; each part that fails is listed under `errors` instead of stopping the rest.
The encoded script stays under MAX_ENCODED_SCRIPT (about what pywinrm's `run_ps` gets through
cmd.exe), so it could still go back on the command line if a host refuses the environment.

The update search includes hidden updates: hiding an update in Windows Update does not install
it, so a hidden missing security update is still missing (and reported as hidden).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

SCRIPT_VAR = "GITC_PS"
SERVICES_VAR = "GITC_SERVICES"
MAX_ENCODED_SCRIPT = 3000
SCRIPT_VERSION = 3  # 2: the search includes hidden updates (1 left them out); 3: software

# Read-only: CIM, registry (incl. the Uninstall keys, 64- and 32-bit), Get-HotFix, the WUA
# searcher (history + search) and Get-Service.
SCRIPT = r"""
$ErrorActionPreference='Stop'
$o=[ordered]@{script=3;errors=@()}
function E($p,$m){$script:o.errors+=@{part=$p;message="$m"}}
function D($d){if($d){([datetime]$d).ToUniversalTime().ToString('o')}}
$cv='HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
try{$c=Get-CimInstance Win32_OperatingSystem;$k=Get-ItemProperty $cv
$o.os=@{caption=$c.Caption;version=$c.Version;build=[int]$k.CurrentBuild;ubr=[int]$k.UBR
display_version=$k.DisplayVersion
last_boot=D $c.LastBootUpTime;computer=$env:COMPUTERNAME}}catch{E os $_}
try{$o.hotfixes=@(Get-HotFix|%{@{kb=$_.HotFixID;description=$_.Description
installed_on=D $_.InstalledOn}})}catch{E hotfixes $_}
try{$s=New-Object -ComObject Microsoft.Update.Session;$q=$s.CreateUpdateSearcher()
$n=$q.GetTotalHistoryCount();$o.history=@(if($n){$q.QueryHistory(0,[Math]::Min($n,200))|
?{$_.Operation -eq 1}|%{@{date=D $_.Date;result=$_.ResultCode;title=$_.Title}}})}catch{E history $_}
try{$r=$q.Search("IsInstalled=0 and Type='Software'")
$o.missing=@($r.Updates|%{@{title=$_.Title;severity=$_.MsrcSeverity;hidden=$_.IsHidden
kbs=@($_.KBArticleIDs);cves=@($_.CveIDs);released=D $_.LastDeploymentChangeTime
categories=@($_.Categories|%{$_.Name})}})}catch{E missing_updates $_}
$b='HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\'
try{$o.reboot=@{cbs=Test-Path ($b+'Component Based Servicing\RebootPending')
wu=Test-Path ($b+'WindowsUpdate\Auto Update\RebootRequired')
pfro=$null -ne (Get-ItemProperty 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' `
-Name PendingFileRenameOperations -EA 0)}}catch{E reboot $_}
try{$o.software=@(gp ($b+'Uninstall\*'),
'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*' -EA 0|?{$_.DisplayName}|
%{@{name=$_.DisplayName;version=$_.DisplayVersion;publisher=$_.Publisher}})}catch{E software $_}
try{$w=@($env:GITC_SERVICES -split ','|?{$_});$a=if($w){Get-Service -Name $w -EA 0}else{Get-Service}
$o.services=@{queried=$w;found=@($a|%{@{name=$_.Name;display_name=$_.DisplayName
status="$($_.Status)";start_type="$($_.StartType)"}})}}catch{E services $_}
try{$o.password=@{min_length=[int]([ADSI]"WinNT://$env:COMPUTERNAME").MinPasswordLength.Value}
}catch{E password $_}
$o|ConvertTo-Json -Depth 6 -Compress
""".strip()

# Runs before anything else: no progress records (CLIXML on stderr), UTF-8 out, then the script.
BOOTSTRAP = (
    "$ProgressPreference='SilentlyContinue';"
    "[Console]::OutputEncoding=[Text.Encoding]::UTF8;"
    f"iex ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($env:{SCRIPT_VAR})))"
)


def command_line() -> str:
    """The whole command line sent to the host (well under cmd.exe's limit)."""
    encoded = base64.b64encode(BOOTSTRAP.encode("utf-16-le")).decode("ascii")
    return f"powershell.exe -NoLogo -NoProfile -NonInteractive -EncodedCommand {encoded}"


def environment(services: Sequence[str]) -> dict[str, str]:
    """Shell environment carrying the script and the service names to query (empty: all)."""
    return {SCRIPT_VAR: base64.b64encode(SCRIPT.encode("utf-8")).decode("ascii"),
            SERVICES_VAR: ",".join(services)}
