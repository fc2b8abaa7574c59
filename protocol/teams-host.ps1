#Requires -Version 7.2
<#
.SYNOPSIS
  Long-lived Teams PowerShell host for teams-bot-numbers (protocol: provider/tenant/protocol.ts).

.DESCRIPTION
  Started by the provider as `pwsh -NoLogo -NoProfile -NonInteractive -File teams-host.ps1`.
  Speaks one JSON object per line on stdin/stdout:
    1. prints HostReady {type:"ready", psVersion, teamsModuleVersion} before reading anything;
    2. "connect": Connect-MicrosoftTeams -AccessTokens @(graphToken, teamsToken) (tokens arrive on
       stdin only, are never printed and never stored beyond the call);
    3. "invoke": runs one allow-listed cmdlet with -ErrorAction Stop, its parameters splatted
       from the JSON data (never pasted into script text, never Invoke-Expression);
    4. "exit" or EOF: exits 0.
  Every request is answered with exactly one line {id, ok, output|error}, in order.

  Requires PowerShell 7.2+ and the MicrosoftTeams module 6.0.0 or later (app-only
  -AccessTokens connection with New/Get/Sync-CsOnlineApplicationInstance and the
  *-CsPhoneNumberAssignment cmdlets). -PhoneNumber / -PhoneNumberType are used, which newer
  modules keep as aliases of -TelephoneNumber / -NumberType.
#>
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$InformationPreference = 'SilentlyContinue'
$WarningPreference = 'SilentlyContinue'

# Same list as ALLOWED_CMDLETS in protocol.ts (a unit test keeps them equal).
$AllowedCmdlets = @(
    'New-CsOnlineApplicationInstance',
    'Get-CsOnlineApplicationInstance',
    'Set-CsOnlineApplicationInstance',
    'Sync-CsOnlineApplicationInstance',
    'Set-CsPhoneNumberAssignment',
    'Remove-CsPhoneNumberAssignment',
    'Get-CsPhoneNumberAssignment'
)

function Write-Line {
    param([Parameter(Mandatory)][hashtable] $Message)
    $json = ConvertTo-Json -InputObject $Message -Depth 8 -Compress
    [Console]::Out.WriteLine($json)
    [Console]::Out.Flush()
}

function Write-Failure {
    param(
        [Parameter(Mandatory)] $Id,
        [Parameter(Mandatory)][string] $Message,
        [Parameter(Mandatory)][string] $FullyQualifiedErrorId,
        [string] $Category = 'InvalidOperation',
        [string] $ExceptionType = 'System.Management.Automation.RuntimeException'
    )
    Write-Line @{
        id    = $Id
        ok    = $false
        error = @{
            message               = $Message
            fullyQualifiedErrorId = $FullyQualifiedErrorId
            category              = $Category
            exceptionType         = $ExceptionType
        }
    }
}

function Write-ErrorRecord {
    param([Parameter(Mandatory)] $Id, [Parameter(Mandatory)][System.Management.Automation.ErrorRecord] $Record)
    Write-Failure -Id $Id `
        -Message ([string]$Record.Exception.Message) `
        -FullyQualifiedErrorId ([string]$Record.FullyQualifiedErrorId) `
        -Category ([string]$Record.CategoryInfo.Category) `
        -ExceptionType ($Record.Exception.GetType().FullName)
}

function Test-ScalarParameters {
    # Only strings, numbers, booleans and null may be splatted: never script blocks or objects.
    param([Parameter(Mandatory)][hashtable] $Parameters)
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

function ConvertTo-OutputArray {
    # Cmdlet output → array of plain objects (RunspaceId is a PowerShell artefact).
    param($Output)
    $items = @()
    foreach ($item in @($Output)) {
        if ($null -eq $item) { continue }
        $plain = $item | Select-Object -Property * -ExcludeProperty RunspaceId
        $items += , $plain
    }
    # Always an array, also for zero or one object.
    return (ConvertTo-Json -InputObject @($items) -Depth 6 -Compress)
}

function Invoke-AllowedCmdlet {
    param([Parameter(Mandatory)][hashtable] $Request)
    $id = $Request['id']
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
        [Console]::Out.WriteLine('{"id":' + (ConvertTo-Json -InputObject $id -Compress) + ',"ok":true,"output":' + $json + '}')
        [Console]::Out.Flush()
    }
    catch {
        Write-ErrorRecord -Id $id -Record $_
    }
}

function Connect-Teams {
    param([Parameter(Mandatory)][hashtable] $Request)
    $id = $Request['id']
    $tokens = @($Request['accessTokens'])
    if ($tokens.Count -ne 2 -or [string]::IsNullOrEmpty([string]$tokens[0]) -or [string]::IsNullOrEmpty([string]$tokens[1])) {
        Write-Failure -Id $id -Message 'connect needs two access tokens (Graph, Teams admin API)' -FullyQualifiedErrorId 'ProtocolViolation'
        return
    }
    try {
        Connect-MicrosoftTeams -AccessTokens @([string]$tokens[0], [string]$tokens[1]) | Out-Null
        Write-Line @{ id = $id; ok = $true; output = @() }
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
try {
    $module = Import-Module -Name MicrosoftTeams -MinimumVersion 6.0.0 -PassThru -ErrorAction Stop
    $teamsModuleVersion = $module.Version.ToString()
}
catch {
    # Reported through HostReady; the provider explains how to install the module.
    $teamsModuleVersion = $null
}
Write-Line @{ type = 'ready'; psVersion = $PSVersionTable.PSVersion.ToString(); teamsModuleVersion = $teamsModuleVersion }

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
            Write-Line @{ id = $request['id']; ok = $true; output = @() }
            exit 0
        }
        default {
            Write-Failure -Id $request['id'] -Message "unknown request type '$($request['type'])'" -FullyQualifiedErrorId 'ProtocolViolation'
        }
    }
}
exit 0
