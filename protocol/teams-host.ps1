#Requires -Version 7.2
<#
.SYNOPSIS
  Long-lived Teams PowerShell host for teams-bot-numbers (protocol: provider/tenant/protocol.ts).

.DESCRIPTION
  Started by the provider as `pwsh -NoLogo -NoProfile -NonInteractive -File teams-host.ps1`.
  Reads one JSON request per line on stdin; writes each answer as one frame
  "`n{"tbnHost":1,...}`n" (FRAME_MARKER first, one write call) on stdout:
    1. prints HostReady {type:"ready", psVersion, teamsModuleVersion, teamsModuleFloor} before
       reading anything;
    2. "connect": Connect-MicrosoftTeams -AccessTokens @(graphToken, teamsToken) -LogLevel None
       (tokens arrive on stdin only, are never printed and never stored beyond the call);
    3. "invoke": runs one allow-listed cmdlet with -ErrorAction Stop, its parameters splatted
       from the JSON data (never pasted into script text, never Invoke-Expression);
    4. "exit" or EOF: exits 0.
  Every request is answered with exactly one frame {id, ok, output|error}, in order.

  Requires PowerShell 7.2+ and the MicrosoftTeams module at TEAMS_MODULE_FLOOR or later
  ($TeamsModuleFloor below; app-only New/Get/Sync-CsOnlineApplicationInstance and the
  *-CsPhoneNumberAssignment cmdlets). An older module is reported in HostReady and every
  connect / invoke is refused with 'ModuleTooOld' naming the floor. -PhoneNumber / -PhoneNumberType
  are used, which newer modules keep as aliases of -TelephoneNumber / -NumberType.
#>
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
# The MicrosoftTeams cmdlets are script-module functions: they see GLOBAL preference variables,
# not this script's. Progress, warnings, information and verbose text must not reach stdout.
$global:ProgressPreference = 'SilentlyContinue'
$global:InformationPreference = 'SilentlyContinue'
$global:WarningPreference = 'SilentlyContinue'
$global:VerbosePreference = 'SilentlyContinue'
$global:ConfirmPreference = 'None'

# UTF-8 both ways, whatever the runner's code page (Windows runners default to an OEM one).
$utf8 = [System.Text.UTF8Encoding]::new($false)
try { [Console]::OutputEncoding = $utf8 } catch { }
try { [Console]::InputEncoding = $utf8 } catch { }
$global:OutputEncoding = $utf8

# Same value as TEAMS_MODULE_FLOOR in host-protocol.ts and the example pipelines' pinned
# version (a unit test keeps them equal).
$TeamsModuleFloor = [version]'7.6.0'
$FrameMarker = '{"tbnHost":1,'

# Same list as ALLOWED_CMDLETS in protocol.ts (a unit test keeps them equal).
$AllowedCmdlets = @(
    'New-CsOnlineApplicationInstance',
    'Get-CsOnlineApplicationInstance',
    'Set-CsOnlineApplicationInstance',
    'Sync-CsOnlineApplicationInstance',
    'Set-CsPhoneNumberAssignment',
    'Remove-CsPhoneNumberAssignment',
    'Get-CsPhoneNumberAssignment',
    'Get-CsOnlineVoiceRoutingPolicy',
    'Grant-CsOnlineVoiceRoutingPolicy',
    'Get-CsOnlineUser'
)

function Write-Frame {
    # One frame: newline, FRAME_MARKER, the rest of the JSON object, newline - in ONE write, so
    # stray text without a newline ends before the frame and nothing can land inside it.
    param([Parameter(Mandatory)][string] $Json)
    if (-not $Json.StartsWith('{')) { throw 'a frame must be a JSON object' }
    [Console]::Out.Write("`n" + $FrameMarker + $Json.Substring(1) + "`n")
    [Console]::Out.Flush()
}

function Write-Line {
    param([Parameter(Mandatory)][System.Collections.IDictionary] $Message)
    Write-Frame -Json (ConvertTo-Json -InputObject $Message -Depth 8 -Compress -EnumsAsStrings)
}

function Write-Failure {
    # $null ids (unparseable requests) and empty texts are legal here: Mandatory would reject them
    # under real PowerShell, inside a catch, and end the host.
    param(
        [AllowNull()] $Id,
        [AllowNull()][AllowEmptyString()][string] $Message,
        [AllowNull()][AllowEmptyString()][string] $FullyQualifiedErrorId,
        [string] $Category = 'InvalidOperation',
        [string] $ExceptionType = 'System.Management.Automation.RuntimeException'
    )
    if ([string]::IsNullOrEmpty($Message)) { $Message = 'the cmdlet failed without a message' }
    if ([string]::IsNullOrEmpty($FullyQualifiedErrorId)) { $FullyQualifiedErrorId = 'UnknownError' }
    Write-Line ([ordered]@{
            id    = $Id
            ok    = $false
            error = [ordered]@{
                message               = $Message
                fullyQualifiedErrorId = $FullyQualifiedErrorId
                category              = $Category
                exceptionType         = $ExceptionType
            }
        })
}

function Write-ErrorRecord {
    param([AllowNull()] $Id, [AllowNull()] $Record)
    if ($null -eq $Record) {
        Write-Failure -Id $Id -Message 'unknown error' -FullyQualifiedErrorId 'UnknownError'
        return
    }
    # Exception.Message can be empty for service errors; the record's own text is the fallback.
    $text = [string]$Record.Exception.Message
    if ([string]::IsNullOrWhiteSpace($text)) { $text = [string]$Record }
    if ([string]::IsNullOrWhiteSpace($text) -and $null -ne $Record.ErrorDetails) { $text = [string]$Record.ErrorDetails.Message }
    Write-Failure -Id $Id `
        -Message $text `
        -FullyQualifiedErrorId ([string]$Record.FullyQualifiedErrorId) `
        -Category ([string]$Record.CategoryInfo.Category) `
        -ExceptionType ([string]$Record.Exception.GetType().FullName)
}

function Test-ScalarParameters {
    # Only strings, numbers, booleans and null may be splatted: never script blocks or objects.
    param([Parameter(Mandatory)][AllowEmptyCollection()][hashtable] $Parameters)
    foreach ($entry in $Parameters.GetEnumerator()) {
        if ($entry.Key -notmatch '^[A-Za-z][A-Za-z0-9]*$') { return "parameter name '$($entry.Key)' is not a plain name" }
        $value = $entry.Value
        if ($null -eq $value) { continue }
        if (-not ($value -is [string] -or $value -is [bool] -or $value -is [int] -or $value -is [long] -or $value -is [double] -or $value -is [decimal])) {
            return "parameter '$($entry.Key)' is not a scalar"
        }
    }
    return $null
}

# Properties the provider reads (provider/tenant/powershell.ts), projected as strings so that
# enums, GUIDs and URIs never arrive as numbers or {} objects.
$StringProperties = @(
    'ObjectId', 'TenantId', 'UserPrincipalName', 'ApplicationId', 'DisplayName', 'PhoneNumber',
    'TelephoneNumber', 'NumberType', 'AssignedPstnTargetId', 'PstnAssignmentStatus', 'ActivationState',
    'LocationId', 'AssignmentCategory', 'IsoCountryCode', 'City', 'NumberSource',
    'AssignmentBlockedState', 'AssignmentBlockedUntil',
    'Identity', 'Alias', 'AccountType', 'LineURI', 'OnlineVoiceRoutingPolicy', 'Description', 'RouteType'
)
# List-valued properties the provider reads, projected as lists of strings.
$ListProperties = @('Capability', 'OnlinePstnUsages', 'FeatureTypes')

function ConvertTo-PlainObject {
    # One output object -> ordered dictionary: the provider's fields as [string] ($ListProperties
    # as lists of strings), every other property kept as it is (RunspaceId is a PowerShell artefact).
    param([AllowNull()] $Item)
    $plain = [ordered]@{}
    foreach ($property in $Item.PSObject.Properties) {
        $name = $property.Name
        if ($name -eq 'RunspaceId') { continue }
        $value = $property.Value
        if ($ListProperties -contains $name) {
            $plain[$name] = [string[]]@(@($value) | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ })
        }
        elseif ($StringProperties -contains $name) {
            $plain[$name] = if ($null -eq $value) { $null } else { [string]$value }
        }
        else {
            $plain[$name] = $value
        }
    }
    return $plain
}

function ConvertTo-OutputArray {
    # Cmdlet output -> JSON array of plain objects; enums as names (-EnumsAsStrings).
    param([AllowNull()] $Output)
    $items = [System.Collections.Generic.List[object]]::new()
    foreach ($item in @($Output)) {
        if ($null -eq $item) { continue }
        $items.Add((ConvertTo-PlainObject -Item $item))
    }
    # Always an array, also for zero or one object.
    return (ConvertTo-Json -InputObject $items.ToArray() -Depth 6 -Compress -EnumsAsStrings)
}

function Test-ModuleFloor {
    # Refuses connect / invoke below the floor; $true when the request was answered.
    param([AllowNull()] $Id)
    if ($script:moduleBelowFloor) {
        Write-Failure -Id $Id -Message $script:moduleTooOldMessage -FullyQualifiedErrorId 'ModuleTooOld' -Category 'NotInstalled'
        return $true
    }
    return $false
}

function Invoke-AllowedCmdlet {
    param([Parameter(Mandatory)][hashtable] $Request)
    $id = $Request['id']
    if (Test-ModuleFloor -Id $id) { return }
    $cmdlet = [string]$Request['cmdlet']
    if ($AllowedCmdlets -notcontains $cmdlet) {
        Write-Failure -Id $id -Message "cmdlet '$cmdlet' is not allowed" -FullyQualifiedErrorId 'ProtocolViolation'
        return
    }
    $raw = $Request['parameters']
    if ($null -eq $raw) { $raw = @{} }
    if ($raw -isnot [hashtable]) {
        Write-Failure -Id $id -Message 'parameters must be an object' -FullyQualifiedErrorId 'ProtocolViolation'
        return
    }
    $p = [hashtable]$raw
    $problem = Test-ScalarParameters -Parameters $p
    if ($null -ne $problem) {
        Write-Failure -Id $id -Message $problem -FullyQualifiedErrorId 'ProtocolViolation'
        return
    }
    try {
        # Splatting: a $true value binds a switch as -Name:$true; values stay data.
        $out = & $cmdlet @p -ErrorAction Stop
        $json = ConvertTo-OutputArray -Output $out
        Write-Frame -Json ('{"id":' + (ConvertTo-Json -InputObject $id -Compress -EnumsAsStrings) + ',"ok":true,"output":' + $json + '}')
    }
    catch {
        Write-ErrorRecord -Id $id -Record $_
    }
}

function Connect-Teams {
    param([Parameter(Mandatory)][hashtable] $Request)
    $id = $Request['id']
    $tokens = @($Request['accessTokens'])
    try {
        # Inside try: the finally below forgets the tokens on every path, refusals included.
        if (Test-ModuleFloor -Id $id) { return }
        if ($tokens.Count -ne 2 -or [string]::IsNullOrEmpty([string]$tokens[0]) -or [string]::IsNullOrEmpty([string]$tokens[1])) {
            Write-Failure -Id $id -Message 'connect needs two access tokens (Graph, Teams admin API)' -FullyQualifiedErrorId 'ProtocolViolation'
            return
        }
        # -LogLevel None: the module writes no log files of its own.
        Connect-MicrosoftTeams -AccessTokens @([string]$tokens[0], [string]$tokens[1]) -LogLevel None | Out-Null
        Write-Line ([ordered]@{ id = $id; ok = $true; output = @() })
    }
    catch {
        Write-ErrorRecord -Id $id -Record $_
    }
    finally {
        $tokens = $null
        $Request['accessTokens'] = $null
    }
}

# --- start ------------------------------------------------------------------------------
$teamsModuleVersion = $null
$moduleBelowFloor = $false
$moduleTooOldMessage = ''
try {
    # The newest installed version, whatever it is: an old one is reported, not hidden.
    $available = Get-Module -ListAvailable -Name MicrosoftTeams | Sort-Object -Property Version -Descending | Select-Object -First 1
    if ($null -ne $available) {
        $teamsModuleVersion = $available.Version.ToString()
        if ($available.Version -lt $TeamsModuleFloor) {
            $moduleBelowFloor = $true
            $moduleTooOldMessage = "MicrosoftTeams $teamsModuleVersion is older than $TeamsModuleFloor, the oldest version teams-bot-numbers supports (app-only New/Get/Sync-CsOnlineApplicationInstance). Run: Install-Module MicrosoftTeams -RequiredVersion $TeamsModuleFloor -Scope CurrentUser -Force"
        }
        else {
            Import-Module -Name MicrosoftTeams -RequiredVersion $available.Version -ErrorAction Stop | Out-Null
        }
    }
}
catch {
    # Reported through HostReady; the provider explains how to install the module.
    $teamsModuleVersion = $null
}
Write-Line ([ordered]@{
        type               = 'ready'
        psVersion          = $PSVersionTable.PSVersion.ToString()
        teamsModuleVersion = $teamsModuleVersion
        teamsModuleFloor   = $TeamsModuleFloor.ToString()
    })

# --- request loop ---------------------------------------------------------------------------
while ($true) {
    $line = [Console]::In.ReadLine()
    if ($null -eq $line) { break }   # EOF: the provider went away
    if ([string]::IsNullOrWhiteSpace($line)) { continue }
    $request = $null
    try {
        $request = ConvertFrom-Json -InputObject $line -AsHashtable -Depth 10
    }
    catch {
        Write-Failure -Id $null -Message 'request is not valid JSON' -FullyQualifiedErrorId 'ProtocolViolation'
        continue
    }
    if ($request -isnot [hashtable] -or -not $request.ContainsKey('id') -or -not $request.ContainsKey('type')) {
        Write-Failure -Id $null -Message 'request needs id and type' -FullyQualifiedErrorId 'ProtocolViolation'
        continue
    }
    switch ([string]$request['type']) {
        'connect' { Connect-Teams -Request $request }
        'invoke' { Invoke-AllowedCmdlet -Request $request }
        'exit' {
            Write-Line ([ordered]@{ id = $request['id']; ok = $true; output = @() })
            exit 0
        }
        default {
            Write-Failure -Id $request['id'] -Message "unknown request type '$($request['type'])'" -FullyQualifiedErrorId 'ProtocolViolation'
        }
    }
}
exit 0
