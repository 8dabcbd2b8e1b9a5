# Build packstation for Windows: the PyInstaller bundle, its self-test, then the
# Inno Setup installer dist\packstation-<version>-windows-x64-setup.exe.
#
#   pwsh installer\windows\build.ps1
#   (or: powershell -ExecutionPolicy Bypass -File installer\windows\build.ps1)
#
# Needs Python 3.11+ and Inno Setup 6 (choco install innosetup).
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

function Invoke-Checked {
    param([string]$Program, [string[]]$Arguments)
    & $Program @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Program $($Arguments -join ' ') failed ($LASTEXITCODE)" }
}

if (-not (Test-Path .venv\Scripts\uv.exe)) {
    # The python on PATH (actions/setup-python puts 3.11 there), else the py launcher.
    if (Get-Command python -ErrorAction SilentlyContinue) {
        Invoke-Checked python @("-m", "venv", ".venv")
    } else {
        Invoke-Checked py @("-3.11", "-m", "venv", ".venv")
    }
    Invoke-Checked .venv\Scripts\python.exe @("-m", "pip", "install", "-q", "uv")
}
Invoke-Checked .venv\Scripts\uv.exe @("sync", "-q", "--inexact", "--locked", "--extra", "installer")
$version = (& .venv\Scripts\python.exe -c "import packstation; print(packstation.__version__)").Trim()

Remove-Item -Recurse -Force build\pyinstaller, dist\packstation -ErrorAction SilentlyContinue
Invoke-Checked .venv\Scripts\pyinstaller.exe @("--noconfirm", "--log-level", "WARN",
    "--distpath", "dist", "--workpath", "build\pyinstaller", "installer\packstation.spec")
$size = (Get-ChildItem dist\packstation -Recurse | Measure-Object -Property Length -Sum).Sum
Write-Host ("bundle: {0:N0} MB" -f ($size / 1MB))

# The console twin runs the checks: the window program has no console to print to.
$env:QT_QPA_PLATFORM = "offscreen"
Invoke-Checked dist\packstation\packstation-cli.exe @("--self-test")
Invoke-Checked dist\packstation\packstation-cli.exe @("--version")
Remove-Item Env:\QT_QPA_PLATFORM

$iscc = Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe"
if (-not (Test-Path $iscc)) { throw "Inno Setup 6 is not installed (choco install innosetup)" }
Invoke-Checked $iscc @("/Q", "/DAppVersion=$version", "installer\windows\packstation.iss")
Get-Item "dist\packstation-$version-windows-x64-setup.exe" | ForEach-Object {
    Write-Host ("installer: {0} ({1:N0} MB)" -f $_.Name, ($_.Length / 1MB))
}
