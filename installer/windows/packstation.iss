; Inno Setup 6 script: packstation for Windows, installed per user (no admin rights).
;
;   ISCC.exe /DAppVersion=1.2.3 installer\windows\packstation.iss
;
; Packs the PyInstaller one-folder bundle (dist\packstation, built first by
; installer\windows\build.ps1) into dist\packstation-<version>-windows-x64-setup.exe.
; The station's data (settings, the jobs cache and the outbox of unsent
; dispatches) lives in the user's AppData and is kept on uninstall: removing the
; program must never lose a dispatch that has not reached Smart Gift yet.

#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=x.y.z (build.ps1 reads packstation.__version__)
#endif

#define AppName "packstation"
#define Bundle "..\..\dist\packstation"

[Setup]
; The AppId identifies the program across upgrades: never change it.
AppId={{F1163F45-FB37-4FA2-9A6B-2C0B0E8628B1}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=packstation
AppComments=The packing station for Smart Gift fulfilment providers
VersionInfoVersion={#AppVersion}
; Per user: %LOCALAPPDATA%\Programs\packstation, no UAC prompt. An IT person can
; still choose "for all users" in the dialog, or /ALLUSERS on the command line.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename={#AppName}-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\resources\icons\packstation.ico
UninstallDisplayIcon={app}\packstation.exe
UninstallDisplayName={#AppName} {#AppVersion}
LicenseFile=..\..\LICENSE
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; An upgrade closes a running packstation first (its outbox is on disk, nothing is lost).
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the bundle whole: no stale libraries of an older version left behind.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\packstation.exe"; Comment: "Pack and dispatch Smart Gift orders"
Name: "{autoprograms}\{#AppName} (demo and training)"; Filename: "{app}\packstation.exe"; Parameters: "--demo"; Comment: "packstation on its built-in sandbox: nothing reaches Smart Gift"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\packstation.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\packstation.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; No [UninstallDelete] for AppData on purpose: see the note at the top.
