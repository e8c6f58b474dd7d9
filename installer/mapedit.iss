; Inno Setup script for mapedit (微网格编辑器): a per-user installer for office PCs.
;
;   iscc installer\mapedit.iss [/DAppVersion=0.1.0]     ->  installer\Output\mapedit-setup-<ver>.exe
;
; Built from the PyInstaller folder dist\mapedit (installer\mapedit.spec) by build_windows.bat
; and .github\workflows\windows.yml. Needs Inno Setup 6.3 or newer (x64compatible); the Chinese
; messages ship with Inno Setup from 6.5 on, older versions need installer\Languages\
; ChineseSimplified.isl (see installer\README.md: the workflow fetches it when missing).
;
; What it promises (issue 14):
; - no administrator rights: installs for the current user into %LOCALAPPDATA%\Programs\mapedit;
; - Chinese by default (Chinese Windows, or any language the installer has no messages for),
;   English on English Windows; the language dialog appears when the choice is unclear;
; - Start-menu shortcuts (the editor, a console self-test for technicians, uninstall) and a
;   desktop shortcut (a task, checked by default);
; - "open with" for .gpkg WITHOUT taking the default association from QGIS or GDAL tools: the
;   ProgID is only added to .gpkg\OpenWithProgids and under Applications\mapedit.exe, never
;   written as the default value of .gpkg;
; - uninstall removes the program only: projects live where the clerk saved them, settings in
;   HKCU\Software\mapedit, the demo, log and safety copies in %LOCALAPPDATA%\mapedit — none of
;   these is touched;
; - upgrade in place: a fixed AppId, the previous folder reused, the old program files replaced
;   (a running mapedit is closed through the Restart Manager first).

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
  #define ChineseMessages "compiler:Languages\ChineseSimplified.isl"
#elif FileExists(AddBackslash(SourcePath) + "Languages\ChineseSimplified.isl")
  #define ChineseMessages "Languages\ChineseSimplified.isl"
#else
  #error ChineseSimplified.isl not found: use Inno Setup 6.5+ or see installer\README.md
#endif

[Setup]
; Never change AppId: it is how an upgrade finds the installed copy.
AppId={{00C5418E-EBD8-4DA0-9530-17BEBB070EB5}
AppName=微网格编辑器 mapedit
AppVersion={#AppVersion}
AppVerName=微网格编辑器 mapedit {#AppVersion}
AppPublisher=mapedit
VersionInfoVersion={#AppVersion}
PrivilegesRequired=lowest
DefaultDirName={autopf}\mapedit
DefaultGroupName=微网格编辑器
UsePreviousAppDir=yes
UsePreviousGroup=yes
DisableProgramGroupPage=auto
DisableDirPage=auto
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=Output
OutputBaseFilename=mapedit-setup-{#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ShowLanguageDialog=auto
LanguageDetectionMethod=uilanguage
ChangesAssociations=yes
CloseApplications=yes
RestartApplications=no
UninstallDisplayIcon={app}\mapedit.exe
UninstallDisplayName=微网格编辑器 mapedit

[Languages]
; The first entry is the fallback: Chinese.
Name: "chinesesimplified"; MessagesFile: "{#ChineseMessages}"
Name: "english"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
chinesesimplified.SelfTest=微网格编辑器 自检
english.SelfTest=mapedit self-test
chinesesimplified.ProjectType=微网格编辑器项目
english.ProjectType=mapedit project

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[InstallDelete]
; An upgrade replaces the whole bundle: no library of an older version may linger beside the
; new ones. Only the program folder; user data lives elsewhere.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "..\dist\mapedit\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\微网格编辑器"; Filename: "{app}\mapedit.exe"
Name: "{group}\{cm:SelfTest}"; Filename: "{cmd}"; Parameters: "/k ""{app}\mapedit-cli.exe"" --self-test"; WorkingDir: "{app}"
Name: "{group}\{cm:UninstallProgram,微网格编辑器}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\微网格编辑器"; Filename: "{app}\mapedit.exe"; Tasks: desktopicon

[Registry]
; Our ProgID: how mapedit opens a .gpkg ("open with" list, double-click only if the clerk
; chooses mapedit as the default themselves).
Root: HKCU; Subkey: "Software\Classes\mapedit.project"; ValueType: string; ValueName: ""; ValueData: "{cm:ProjectType}"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\mapedit.project\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: """{app}\mapedit.exe"",0"
Root: HKCU; Subkey: "Software\Classes\mapedit.project\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\mapedit.exe"" ""%1"""
; Offer it for .gpkg without replacing the default (QGIS keeps its association).
Root: HKCU; Subkey: "Software\Classes\.gpkg\OpenWithProgids"; ValueType: string; ValueName: "mapedit.project"; ValueData: ""; Flags: uninsdeletevalue
; The application itself, for "Open with → Choose another app".
Root: HKCU; Subkey: "Software\Classes\Applications\mapedit.exe"; ValueType: string; ValueName: "FriendlyAppName"; ValueData: "微网格编辑器 mapedit"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\Applications\mapedit.exe\SupportedTypes"; ValueType: string; ValueName: ".gpkg"; ValueData: ""
Root: HKCU; Subkey: "Software\Classes\Applications\mapedit.exe\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\mapedit.exe"" ""%1"""
; Installed in English: start the editor in English the first time (only when the clerk has not
; chosen a language yet; QSettings' registry layout: HKCU\Software\mapedit\mapedit\ui\language).
; No uninsdelete flag: settings outlive the program.
Root: HKCU; Subkey: "Software\mapedit\mapedit\ui"; ValueType: string; ValueName: "language"; ValueData: "en"; Languages: english; Flags: createvalueifdoesntexist

[Run]
Filename: "{app}\mapedit.exe"; Description: "{cm:LaunchProgram,微网格编辑器}"; Flags: nowait postinstall skipifsilent
