; Inno Setup script: a per-user installer in Chinese (no administrator rights needed on office PCs).
[Setup]
AppName=微网格编辑器 mapedit
AppVersion=0.1.0
DefaultDirName={localappdata}\Programs\mapedit
DefaultGroupName=微网格编辑器
PrivilegesRequired=lowest
OutputBaseFilename=mapedit-setup
Compression=lzma2
SolidCompression=yes

[Languages]
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Files]
Source: "..\dist\mapedit\*"; DestDir: "{app}"; Flags: recursesubdirs

[Icons]
Name: "{group}\微网格编辑器"; Filename: "{app}\mapedit.exe"
Name: "{userdesktop}\微网格编辑器"; Filename: "{app}\mapedit.exe"

[Registry]
; Double-clicking a .gpkg project opens it in mapedit.
Root: HKCU; Subkey: "Software\Classes\.gpkg\OpenWithProgids"; ValueType: string; ValueName: "mapedit.project"; ValueData: ""
Root: HKCU; Subkey: "Software\Classes\mapedit.project\shell\open\command"; ValueType: string; ValueData: """{app}\mapedit.exe"" ""%1"""
