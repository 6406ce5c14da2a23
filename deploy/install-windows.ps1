<#
.SYNOPSIS
  Installs PointsBank (积分银行) as a Windows service on the village office PC, opens its port to the office LAN,
  and starts it. Run it from the unzipped package folder in PowerShell "as administrator":

      powershell -ExecutionPolicy Bypass -File .\install-windows.ps1
      powershell -ExecutionPolicy Bypass -File .\install-windows.ps1 -PublicBaseUrl http://192.168.1.23:5080

  Running it again upgrades the program (the data folder is never touched). -Uninstall removes the service and the
  firewall rule and keeps the data folder.

  Program:  $InstallDir (default C:\Program Files\PointsBank), replaced on every upgrade.
  Data:     $DataFolder (default C:\ProgramData\PointsBank): pointsbank.db, keys\, backups\ (daily, the newest 14).
  Logs:     Windows Event Log (Event Viewer > Windows Logs > Application, source PointsBank).
#>
#Requires -RunAsAdministrator
param(
    [string]$Source = $PSScriptRoot,
    [string]$InstallDir = (Join-Path $env:ProgramFiles 'PointsBank'),
    [string]$DataFolder = (Join-Path $env:ProgramData 'PointsBank'),
    [int]$Port = 5080,
    [string]$PublicBaseUrl = '',
    [switch]$Uninstall
)
$ErrorActionPreference = 'Stop'
$name = 'PointsBank'
$rule = "PointsBank (TCP $Port)"

function Remove-PointsBankService {
    $existing = Get-Service -Name $name -ErrorAction SilentlyContinue
    if ($existing) {
        if ($existing.Status -ne 'Stopped') { Stop-Service -Name $name -Force; $existing.WaitForStatus('Stopped', '00:00:30') }
        sc.exe delete $name | Out-Null
        Start-Sleep -Seconds 2
    }
}

if ($Uninstall) {
    Remove-PointsBankService
    Get-NetFirewallRule -DisplayName 'PointsBank (TCP *' -ErrorAction SilentlyContinue | Remove-NetFirewallRule
    Write-Host "PointsBank service and firewall rule removed. The data in $DataFolder was kept."
    return
}

if (-not (Test-Path (Join-Path $Source 'PointsBank.exe'))) {
    throw "PointsBank.exe is not in $Source: run this script from the unzipped package folder (or pass -Source)."
}

# 1. The program: stop an older one, copy the package (the data folder is elsewhere and is never touched).
Remove-PointsBankService
New-Item -ItemType Directory -Force -Path $InstallDir, $DataFolder | Out-Null
Copy-Item -Path (Join-Path $Source '*') -Destination $InstallDir -Recurse -Force

# 2. The service: starts with Windows (and so after a power cut), restarts if it stops unexpectedly.
New-Service -Name $name -BinaryPathName "`"$(Join-Path $InstallDir 'PointsBank.exe')`"" -DisplayName 'PointsBank 积分银行' `
    -Description "Community points bank (积分银行). Data: $DataFolder" -StartupType Automatic | Out-Null
sc.exe failure $name reset= 86400 actions= restart/5000/restart/5000/restart/60000 | Out-Null
# Its settings, as environment variables of the service only: where it listens (every interface, so the counter PC and
# phones reach it), where its data is, and where the single file unpacks SQLite's native library.
$environment = @(
    "ASPNETCORE_URLS=http://0.0.0.0:$Port",
    "PointsBank__DataFolder=$DataFolder",
    "DOTNET_BUNDLE_EXTRACT_BASE_DIR=$(Join-Path $DataFolder '.bundle')"
)
if ($PublicBaseUrl) { $environment += "PointsBank__PublicBaseUrl=$PublicBaseUrl" }
New-ItemProperty -Path "HKLM:\SYSTEM\CurrentControlSet\Services\$name" -Name Environment -PropertyType MultiString `
    -Value $environment -Force | Out-Null

# 3. The firewall: the port, for this LAN only (not the internet).
Get-NetFirewallRule -DisplayName 'PointsBank (TCP *' -ErrorAction SilentlyContinue | Remove-NetFirewallRule
New-NetFirewallRule -DisplayName $rule -Direction Inbound -Protocol TCP -LocalPort $Port -RemoteAddress LocalSubnet `
    -Action Allow -Profile Any | Out-Null

# 4. Start it and wait until it answers (the first start creates the database).
Start-Service -Name $name
$ready = $false
foreach ($i in 1..60) {
    try {
        $answer = Invoke-RestMethod -Uri "http://localhost:$Port/health/ready" -TimeoutSec 5
        if ($answer.status -eq 'ready') { $ready = $true; break }
    } catch { Start-Sleep -Seconds 2 }
}
if (-not $ready) { throw "PointsBank did not answer on port $Port; look in Event Viewer > Windows Logs > Application." }

$addresses = (Get-NetIPAddress -AddressFamily IPv4 -PrefixOrigin Dhcp, Manual -ErrorAction SilentlyContinue).IPAddress -join ', '
Write-Host ""
Write-Host "PointsBank is running:  http://localhost:$Port/   (on the LAN: http://<this PC>:$Port/, this PC is $addresses)"
Write-Host "Data, keys and backups: $DataFolder"
Write-Host "First administrator (only once; type the password when asked), in this administrator window:"
Write-Host "  `$env:PointsBank__DataFolder = '$DataFolder'"
Write-Host "  & '$(Join-Path $InstallDir 'PointsBank.exe')' admin bootstrap --username wang --name '王管理员'"
