@echo off
rem Build the Windows distribution and installer on a Windows PC (run from the repository root
rem in a command prompt; needs Python 3.11 via the "py" launcher, and Inno Setup 6 for step 5):
rem
rem   installer\build_windows.bat
rem
rem   1. a fresh build venv (.venv-build) with mapedit installed NON-editable (pip install .) and
rem      PyInstaller (installer\requirements-build.txt): the bundle holds what a wheel holds;
rem   2. pyinstaller installer\mapedit.spec -> dist\mapedit\mapedit.exe (windowed) and
rem      dist\mapedit\mapedit-cli.exe (console twin, same folder);
rem   3. the frozen self-test: dist\mapedit\mapedit-cli.exe --self-test (exit 0 = all steps OK);
rem   4. demo, check --json and export with the frozen program;
rem   5. iscc installer\mapedit.iss -> installer\Output\mapedit-setup-<version>.exe.
rem
rem .github\workflows\windows.yml runs the same steps on a Windows runner.
setlocal
cd /d "%~dp0\.."

py -3.11 -m venv .venv-build || exit /b 1
.venv-build\Scripts\python -m pip install -q --upgrade pip || exit /b 1
.venv-build\Scripts\pip install -q . -r installer\requirements-build.txt || exit /b 1

rem Run PyInstaller from an empty folder so it freezes the installed package, not the checkout.
if not exist build\pyinstaller mkdir build\pyinstaller
pushd build\pyinstaller
..\..\.venv-build\Scripts\pyinstaller --noconfirm --log-level WARN --distpath "%CD%\..\..\dist" --workpath "%CD%\work" "%CD%\..\..\installer\mapedit.spec"
if errorlevel 1 (popd & exit /b 1)
popd

dist\mapedit\mapedit-cli.exe --self-test || (echo frozen self-test FAILED & exit /b 1)

set "WORK=%TEMP%\mapedit-build-check"
if exist "%WORK%" rmdir /s /q "%WORK%"
mkdir "%WORK%"
dist\mapedit\mapedit-cli.exe demo "%WORK%\demo.gpkg" || exit /b 1
dist\mapedit\mapedit-cli.exe check "%WORK%\demo.gpkg" --json > "%WORK%\report.json"
if errorlevel 2 (echo frozen check failed & exit /b 1)
dist\mapedit\mapedit-cli.exe export "%WORK%\demo.gpkg" "%WORK%\export" || exit /b 1
if not exist "%WORK%\export\grids.geojson" (echo export wrote nothing & exit /b 1)

for /f %%v in ('.venv-build\Scripts\python -c "import mapedit; print(mapedit.__version__)"') do set "VERSION=%%v"
where iscc >nul 2>nul
if errorlevel 1 (
    echo Inno Setup's iscc is not on PATH: dist\mapedit is ready, the installer was not built.
    exit /b 0
)
iscc /Qp /DAppVersion=%VERSION% installer\mapedit.iss || exit /b 1
echo Built installer\Output\mapedit-setup-%VERSION%.exe
