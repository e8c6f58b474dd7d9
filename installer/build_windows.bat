@echo off
rem Build the Windows distribution (dist\mapedit\mapedit.exe) and, if Inno Setup is installed,
rem the installer (installer\Output\mapedit-setup.exe). Run from the repository root in a
rem "Python 3.11" command prompt.
py -3.11 -m venv .venv-build || exit /b 1
.venv-build\Scripts\pip install . pyinstaller || exit /b 1
.venv-build\Scripts\pyinstaller --noconfirm installer\mapedit.spec || exit /b 1
where iscc >nul 2>nul && iscc installer\mapedit.iss
