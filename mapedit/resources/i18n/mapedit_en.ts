<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
    <context>
        <name>AttributePanel</name>
        <message>
            <source>在地图或左侧列表中点选一个微网格</source>
            <translation>Click a micro-grid on the map or in the list on the left</translation>
        </message>
        <message>
            <source>只列出本管理单元类型允许的类别;悬停查看划分原则</source>
            <translation>Only the categories allowed for this unit type; hover to see the rule</translation>
        </message>
        <message>
            <source>条线责任部门;双击修改</source>
            <translation>Responsible departments; double-click to edit</translation>
        </message>
        <message>
            <source>添加</source>
            <translation>Add</translation>
        </message>
        <message>
            <source>删除</source>
            <translation>Remove</translation>
        </message>
        <message>
            <source>恢复默认</source>
            <translation>Defaults</translation>
        </message>
        <message>
            <source>按类别填入默认的条线责任部门</source>
            <translation>Fill in the category's default departments</translation>
        </message>
        <message>
            <source>整数,小区/村组应在 300–500 户</source>
            <translation>Whole number; 300–500 for residential grids</translation>
        </message>
        <message>
            <source>整数,可不填</source>
            <translation>Whole number, optional</translation>
        </message>
        <message>
            <source>编码</source>
            <translation>Code</translation>
        </message>
        <message>
            <source>管理单元</source>
            <translation>Unit</translation>
        </message>
        <message>
            <source>名称</source>
            <translation>Name</translation>
        </message>
        <message>
            <source>类别</source>
            <translation>Category</translation>
        </message>
        <message>
            <source>条线部门</source>
            <translation>Departments</translation>
        </message>
        <message>
            <source>户数</source>
            <translation>Households</translation>
        </message>
        <message>
            <source>人口</source>
            <translation>Population</translation>
        </message>
        <message>
            <source>东</source>
            <translation>E</translation>
        </message>
        <message>
            <source>南</source>
            <translation>S</translation>
        </message>
        <message>
            <source>西</source>
            <translation>W</translation>
        </message>
        <message>
            <source>北</source>
            <translation>N</translation>
        </message>
        <message>
            <source>四至</source>
            <translation>Boundaries</translation>
        </message>
        <message>
            <source>备注</source>
            <translation>Notes</translation>
        </message>
        <message>
            <source>已选择 {0} 个微网格;请只选一个来修改属性</source>
            <translation>{0} micro-grids selected; select one to edit its properties</translation>
        </message>
        <message>
            <source>(不在任何管理单元)</source>
            <translation>(in no management unit)</translation>
        </message>
        <message>
            <source>所在管理单元已锁定,如需修改请先解锁(编辑 → 锁定/解锁管理单元)</source>
            <translation>The unit is locked; unlock it first (Edit → Lock/unlock unit)</translation>
        </message>
        <message>
            <source>例如:{0}</source>
            <translation>e.g. {0}</translation>
        </message>
        <message>
            <source>{0}(不适用于本单元类型)</source>
            <translation>{0} (not allowed for this unit type)</translation>
        </message>
        <message>
            <source>名称不能为空</source>
            <translation>The name cannot be empty</translation>
        </message>
        <message>
            <source>{0}必须是不小于 0 的整数(也可以不填)</source>
            <translation>{0} must be a whole number of 0 or more (or empty)</translation>
        </message>
        <message>
            <source>新部门</source>
            <translation>New department</translation>
        </message>
        <message>
            <source>按底图楼栋计算:中心点落在本微网格内的各楼栋户数之和(每栋楼只计一次)</source>
            <translation>From the building layer: the households of the buildings whose centre lies in this grid (each building counted once)</translation>
        </message>
        <message>
            <source>采用</source>
            <translation>Use</translation>
        </message>
        <message>
            <source>把户数改为楼栋合计(可撤销)</source>
            <translation>Set households to the buildings' total (undoable)</translation>
        </message>
        <message>
            <source>楼栋合计:无户数</source>
            <translation>Buildings: no households</translation>
        </message>
        <message>
            <source>楼栋合计 {0} 户</source>
            <translation>Buildings: {0}</translation>
        </message>
    </context>
    <context>
        <name>FindingsPanel</name>
        <message>
            <source>只看当前管理单元</source>
            <translation>Current unit only</translation>
        </message>
        <message>
            <source>只列出在左侧选中的管理单元中的问题</source>
            <translation>List only the problems of the unit selected on the left</translation>
        </message>
        <message>
            <source>显示已接受的例外</source>
            <translation>Show accepted exceptions</translation>
        </message>
        <message>
            <source>问题</source>
            <translation>Problem</translation>
        </message>
        <message>
            <source>数量</source>
            <translation>Count</translation>
        </message>
        <message>
            <source>标记为例外…</source>
            <translation>Accept as exception…</translation>
        </message>
        <message>
            <source>确认这个问题是实际情况(例如楼栋确实跨越两个小区),填写原因后不再计为错误</source>
            <translation>Confirm that this is how things really are (e.g. a building does span two compounds); with a reason it no longer counts as an error</translation>
        </message>
        <message>
            <source>没有发现问题 ✔</source>
            <translation>No problems found ✔</translation>
        </message>
        <message>
            <source>错误 {0} 个,警告 {1} 个,已接受例外 {2} 个。点击一条问题可在地图上定位。</source>
            <translation>{0} errors, {1} warnings, {2} accepted exceptions. Click a problem to find it on the map.</translation>
        </message>
        <message>
            <source>错误</source>
            <translation>Error</translation>
        </message>
        <message>
            <source>警告</source>
            <translation>Warning</translation>
        </message>
        <message>
            <source>(不属于管理单元)</source>
            <translation>(no unit)</translation>
        </message>
        <message>
            <source>[已接受例外] {0}</source>
            <translation>[accepted exception] {0}</translation>
        </message>
        <message>
            <source>原因:{0}</source>
            <translation>Reason: {0}</translation>
        </message>
        <message>
            <source>建议:{0}</source>
            <translation>Suggestion: {0}</translation>
        </message>
        <message>
            <source>应用建议修复</source>
            <translation>Apply suggested fix</translation>
        </message>
        <message>
            <source>按检查给出的建议自动修改微网格(可撤销)</source>
            <translation>Change the micro-grids as the check suggests (can be undone)</translation>
        </message>
        <message>
            <source>可按 Ctrl+Z 撤销</source>
            <translation>Ctrl+Z undoes it</translation>
        </message>
        <message>
            <source>在地图上定位</source>
            <translation>Show on map</translation>
        </message>
        <message>
            <source>撤销例外</source>
            <translation>Withdraw exception</translation>
        </message>
        <message>
            <source>这个问题不再作为例外:重新计为错误或警告(可撤销)</source>
            <translation>No longer treat this problem as an exception: it counts as an error or warning again (undoable)</translation>
        </message>
    </context>
    <context>
        <name>HouseholdChart</name>
        <message>
            <source>选择一个管理单元查看各微网格户数</source>
            <translation>Select a management unit to see households per micro-grid</translation>
        </message>
        <message>
            <source>户数</source>
            <translation>Households</translation>
        </message>
        <message>
            <source>在合理范围内</source>
            <translation>within the band</translation>
        </message>
        <message>
            <source>超出范围</source>
            <translation>outside the band</translation>
        </message>
        <message>
            <source>不要求户数的类别</source>
            <translation>category without household band</translation>
        </message>
        <message>
            <source>合理范围</source>
            <translation>band</translation>
        </message>
        <message>
            <source>{0}:各微网格户数(合理范围 {1}–{2} 户)</source>
            <translation>{0}: households per micro-grid (band {1}–{2})</translation>
        </message>
        <message>
            <source>微网格(编码末三位)</source>
            <translation>micro-grid (last 3 digits of code)</translation>
        </message>
        <message>
            <source>单击柱子,在地图和列表中选中该微网格</source>
            <translation>Click a bar to select that grid on the map and in the list</translation>
        </message>
    </context>
    <context>
        <name>InternalErrorDialog</name>
        <message>
            <source>程序错误 / Internal error</source>
            <translation>Internal error</translation>
        </message>
        <message>
            <source>程序遇到了一个意外错误。您的数据已经保存,可以继续工作。
如果问题重复出现,请点“复制错误报告”,把报告发给技术支持(报告里没有您的用户名和个人文件夹)。</source>
            <translation>mapedit hit an unexpected error. Your work is saved and you can carry on.
If it happens again, click “Copy error report” and send the report to support (it contains neither your user name nor your personal folders).</translation>
        </message>
        <message>
            <source>复制错误报告</source>
            <translation>Copy error report</translation>
        </message>
        <message>
            <source>打开日志文件夹</source>
            <translation>Open log folder</translation>
        </message>
        <message>
            <source>详细信息</source>
            <translation>Details</translation>
        </message>
        <message>
            <source>错误报告已复制,可以粘贴到聊天或邮件中。</source>
            <translation>Error report copied; paste it into a chat or an e-mail.</translation>
        </message>
    </context>
    <context>
        <name>LayerPanel</name>
        <message>
            <source>勾选显示图层;上面的图层画在上面</source>
            <translation>Tick to show a layer; layers higher in the list are drawn on top</translation>
        </message>
        <message>
            <source>上移</source>
            <translation>Up</translation>
        </message>
        <message>
            <source>下移</source>
            <translation>Down</translation>
        </message>
        <message>
            <source>把选中的图层移到上面一层</source>
            <translation>Move the selected layer up</translation>
        </message>
        <message>
            <source>把选中的图层移到下面一层</source>
            <translation>Move the selected layer down</translation>
        </message>
        <message>
            <source>选中图层的不透明度</source>
            <translation>Opacity of the selected layer</translation>
        </message>
        <message>
            <source>不透明度</source>
            <translation>Opacity</translation>
        </message>
    </context>
    <context>
        <name>MainWindow</name>
        <message>
            <source>微网格编辑器</source>
            <translation>Micro-grid editor</translation>
        </message>
        <message>
            <source>管理单元</source>
            <translation>Management units</translation>
        </message>
        <message>
            <source>图层</source>
            <translation>Layers</translation>
        </message>
        <message>
            <source>属性</source>
            <translation>Properties</translation>
        </message>
        <message>
            <source>检查结果</source>
            <translation>Findings</translation>
        </message>
        <message>
            <source>户数平衡</source>
            <translation>Household balance</translation>
        </message>
        <message>
            <source>坐标:—</source>
            <translation>Position: —</translation>
        </message>
        <message>
            <source>鼠标位置:投影坐标(米)和经纬度</source>
            <translation>Mouse position: projected metres and longitude/latitude</translation>
        </message>
        <message>
            <source>当前单元:—</source>
            <translation>Unit: —</translation>
        </message>
        <message>
            <source>打开检查结果</source>
            <translation>Open the findings</translation>
        </message>
        <message>
            <source>新建(从管理单元文件)…</source>
            <translation>New (from units file)…</translation>
        </message>
        <message>
            <source>读入管理单元 GeoJSON,新建一个项目文件</source>
            <translation>Read a units GeoJSON file and create a project file</translation>
        </message>
        <message>
            <source>打开…</source>
            <translation>Open…</translation>
        </message>
        <message>
            <source>打开一个微网格项目(.gpkg)</source>
            <translation>Open a micro-grid project (.gpkg)</translation>
        </message>
        <message>
            <source>导入微网格…</source>
            <translation>Import micro-grids…</translation>
        </message>
        <message>
            <source>把微网格 GeoJSON 导入当前项目(可撤销)</source>
            <translation>Import a micro-grid GeoJSON into this project (undoable)</translation>
        </message>
        <message>
            <source>导出 GeoJSON…</source>
            <translation>Export GeoJSON…</translation>
        </message>
        <message>
            <source>先显示检查结果,再导出 units.geojson 和 grids.geojson</source>
            <translation>Shows the check summary, then writes units.geojson and grids.geojson</translation>
        </message>
        <message>
            <source>退出</source>
            <translation>Quit</translation>
        </message>
        <message>
            <source>撤销</source>
            <translation>Undo</translation>
        </message>
        <message>
            <source>重做</source>
            <translation>Redo</translation>
        </message>
        <message>
            <source>删除微网格</source>
            <translation>Delete micro-grid</translation>
        </message>
        <message>
            <source>删除选中的微网格(可撤销)</source>
            <translation>Delete the selected micro-grids (undoable)</translation>
        </message>
        <message>
            <source>锁定/解锁管理单元</source>
            <translation>Lock/unlock unit</translation>
        </message>
        <message>
            <source>锁定后该单元的微网格不能再修改</source>
            <translation>A locked unit's micro-grids cannot be changed</translation>
        </message>
        <message>
            <source>重新编号本单元</source>
            <translation>Renumber this unit</translation>
        </message>
        <message>
            <source>按从北到南、从西到东的顺序重新给当前管理单元的微网格编号(可撤销)</source>
            <translation>Renumber the current unit's micro-grids north to south, west to east (undoable)</translation>
        </message>
        <message>
            <source>编号已是从北到南、从西到东的顺序</source>
            <translation>The codes already run north to south, west to east</translation>
        </message>
        <message>
            <source>全图</source>
            <translation>Full extent</translation>
        </message>
        <message>
            <source>显示整个街道</source>
            <translation>Show the whole street</translation>
        </message>
        <message>
            <source>缩放到所选</source>
            <translation>Zoom to selection</translation>
        </message>
        <message>
            <source>缩放到选中的微网格或管理单元</source>
            <translation>Zoom to the selected micro-grids or unit</translation>
        </message>
        <message>
            <source>放大</source>
            <translation>Zoom in</translation>
        </message>
        <message>
            <source>缩小</source>
            <translation>Zoom out</translation>
        </message>
        <message>
            <source>按类别着色</source>
            <translation>Colour by category</translation>
        </message>
        <message>
            <source>微网格按类别填色</source>
            <translation>Fill micro-grids by category</translation>
        </message>
        <message>
            <source>按检查状态着色</source>
            <translation>Colour by check state</translation>
        </message>
        <message>
            <source>有错误的微网格红色,有警告的橙色,通过的绿色</source>
            <translation>Red: errors, orange: warnings, green: passed</translation>
        </message>
        <message>
            <source>使用说明</source>
            <translation>How to use</translation>
        </message>
        <message>
            <source>关于</source>
            <translation>About</translation>
        </message>
        <message>
            <source>文件(&amp;F)</source>
            <translation>&amp;File</translation>
        </message>
        <message>
            <source>最近打开</source>
            <translation>Recent files</translation>
        </message>
        <message>
            <source>编辑(&amp;E)</source>
            <translation>&amp;Edit</translation>
        </message>
        <message>
            <source>视图(&amp;V)</source>
            <translation>&amp;View</translation>
        </message>
        <message>
            <source>面板</source>
            <translation>Panels</translation>
        </message>
        <message>
            <source>语言 / Language</source>
            <translation>Language / 语言</translation>
        </message>
        <message>
            <source>帮助(&amp;H)</source>
            <translation>&amp;Help</translation>
        </message>
        <message>
            <source>撤销(Ctrl+Z)</source>
            <translation>Undo (Ctrl+Z)</translation>
        </message>
        <message>
            <source>重做(Ctrl+Y)</source>
            <translation>Redo (Ctrl+Y)</translation>
        </message>
        <message>
            <source>无法打开项目</source>
            <translation>Cannot open project</translation>
        </message>
        <message>
            <source>已{0}(可按 Ctrl+Z 撤销)</source>
            <translation>Done: {0} (Ctrl+Z undoes)</translation>
        </message>
        <message>
            <source>请先选择一个管理单元</source>
            <translation>Select a management unit first</translation>
        </message>
        <message>
            <source>标记为例外</source>
            <translation>Accept as exception</translation>
        </message>
        <message>
            <source>请说明为什么这个问题可以保留(例如:楼栋确实跨两个小区,已与居委会核实):</source>
            <translation>Why can this problem stay? (e.g. the building really spans two compounds, checked with the committee):</translation>
        </message>
        <message>
            <source>请填写原因,以便以后核查。</source>
            <translation>Please give a reason so it can be reviewed later.</translation>
        </message>
        <message>
            <source>当前单元:{0}</source>
            <translation>Unit: {0}</translation>
        </message>
        <message>
            <source>X {0:.1f} 米  Y {1:.1f} 米</source>
            <translation>X {0:.1f} m  Y {1:.1f} m</translation>
        </message>
        <message>
            <source>(无)</source>
            <translation>(none)</translation>
        </message>
        <message>
            <source>打开项目</source>
            <translation>Open project</translation>
        </message>
        <message>
            <source>选择管理单元文件(units.geojson)</source>
            <translation>Choose the units file (units.geojson)</translation>
        </message>
        <message>
            <source>新项目保存为</source>
            <translation>Save the new project as</translation>
        </message>
        <message>
            <source>无法新建项目</source>
            <translation>Cannot create project</translation>
        </message>
        <message>
            <source>新建项目</source>
            <translation>New project</translation>
        </message>
        <message>
            <source>选择微网格文件(grids.geojson)</source>
            <translation>Choose the micro-grid file (grids.geojson)</translation>
        </message>
        <message>
            <source>无法导入微网格</source>
            <translation>Cannot import micro-grids</translation>
        </message>
        <message>
            <source>导入微网格</source>
            <translation>Import micro-grids</translation>
        </message>
        <message>
            <source>文件中没有可导入的微网格。</source>
            <translation>The file holds no micro-grids to import.</translation>
        </message>
        <message>
            <source>已导入 {0} 个微网格,可按 Ctrl+Z 撤销。</source>
            <translation>Imported {0} micro-grids; Ctrl+Z undoes the import.</translation>
        </message>
        <message>
            <source>检查结果:错误 {0} 个,警告 {1} 个。</source>
            <translation>Check result: {0} errors, {1} warnings.</translation>
        </message>
        <message>
            <source>还有错误没有处理,导出的文件可能被上级系统退回。仍要导出吗?</source>
            <translation>Errors remain; the platform may reject the files. Export anyway?</translation>
        </message>
        <message>
            <source>导出 GeoJSON</source>
            <translation>Export GeoJSON</translation>
        </message>
        <message>
            <source>继续导出吗?</source>
            <translation>Export now?</translation>
        </message>
        <message>
            <source>选择导出文件夹</source>
            <translation>Choose the export folder</translation>
        </message>
        <message>
            <source>导出失败</source>
            <translation>Export failed</translation>
        </message>
        <message>
            <source>&lt;b&gt;微网格编辑器&lt;/b&gt; {0}&lt;br&gt;为街道办事处绘制、检查和导出微网格(一网统管)。&lt;br&gt;数据保存在本机的项目文件(.gpkg)中,每次修改立即保存,可随时撤销。</source>
            <translation>&lt;b&gt;Micro-grid editor&lt;/b&gt; {0}&lt;br&gt;Draw, check and export micro-grids for street offices.&lt;br&gt;Data lives in a project file (.gpkg) on this computer; every change is saved at once and can be undone.</translation>
        </message>
        <message>
            <source>错误 {0} / 警告 {1}</source>
            <translation>Errors {0} / Warnings {1}</translation>
        </message>
        <message>
            <source>解锁管理单元</source>
            <translation>Unlock unit</translation>
        </message>
        <message>
            <source>锁定管理单元</source>
            <translation>Lock unit</translation>
        </message>
        <message>
            <source>文件和视图</source>
            <translation>File and view</translation>
        </message>
        <message>
            <source>编辑</source>
            <translation>Edit</translation>
        </message>
        <message>
            <source>已撤销例外,可按 Ctrl+Z 恢复</source>
            <translation>Exception withdrawn; press Ctrl+Z to restore it</translation>
        </message>
    </context>
    <context>
        <name>OutsideChanges</name>
        <message>
            <source>CSV(WKT 图形,Excel 可打开)</source>
            <translation>CSV (WKT geometry, opens in Excel)</translation>
        </message>
        <message>
            <source>GeoJSON(城运平台)</source>
            <translation>GeoJSON (city-operations platform)</translation>
        </message>
        <message>
            <source>GeoPackage(一个 .gpkg 文件)</source>
            <translation>GeoPackage (one .gpkg file)</translation>
        </message>
        <message>
            <source>KML(奥维、Google 地球)</source>
            <translation>KML (Ovital, Google Earth)</translation>
        </message>
        <message>
            <source>Shapefile 编码</source>
            <translation>Shapefile encoding</translation>
        </message>
        <message>
            <source>Shapefile(.shp,带 .cpg)</source>
            <translation>Shapefile (.shp with .cpg)</translation>
        </message>
        <message>
            <source>{0} 个要素导出后形状会改变(精度取整):</source>
            <translation>{0} feature(s) change shape on export (rounding):</translation>
        </message>
        <message>
            <source>仍要导出吗?</source>
            <translation>Export anyway?</translation>
        </message>
        <message>
            <source>先显示检查结果,再导出(GeoJSON、Shapefile、GeoPackage、KML、CSV;导出配置)</source>
            <translation>Shows the check result first, then exports (GeoJSON, Shapefile, GeoPackage, KML, CSV; export profiles)</translation>
        </message>
        <message>
            <source>其他配置文件…</source>
            <translation>Other profile file…</translation>
        </message>
        <message>
            <source>坐标系</source>
            <translation>Coordinate system</translation>
        </message>
        <message>
            <source>导出</source>
            <translation>Export</translation>
        </message>
        <message>
            <source>导出…</source>
            <translation>Export…</translation>
        </message>
        <message>
            <source>导出到文件夹</source>
            <translation>Export to folder</translation>
        </message>
        <message>
            <source>导出清单 manifest.json 会记录这是一次强制导出。</source>
            <translation>manifest.json will record that the export was forced.</translation>
        </message>
        <message>
            <source>导出配置</source>
            <translation>Export profile</translation>
        </message>
        <message>
            <source>导出配置 (*.json)</source>
            <translation>Export profiles (*.json)</translation>
        </message>
        <message>
            <source>导出配置规定字段名、取值对照、坐标系和文件名;街道自己的配置文件可用“其他配置文件…”选择</source>
            <translation>A profile sets field names, value maps, the coordinate system and file names; choose a street's own file with “Other profile file…”</translation>
        </message>
        <message>
            <source>已导出到 {0}:{1}</source>
            <translation>Exported to {0}: {1}</translation>
        </message>
        <message>
            <source>必填字段为空:</source>
            <translation>Required fields are empty:</translation>
        </message>
        <message>
            <source>格式</source>
            <translation>Format</translation>
        </message>
        <message>
            <source>较旧的平台和软件读取 Shapefile 时可能需要 GBK</source>
            <translation>Older platforms and programs may need GBK to read a Shapefile</translation>
        </message>
        <message>
            <source>还有错误没有处理,导出的文件可能被上级系统退回。</source>
            <translation>Errors remain; the exported files may be rejected upstream.</translation>
        </message>
        <message>
            <source>选择导出配置文件</source>
            <translation>Choose an export profile file</translation>
        </message>
        <message>
            <source>(另有 {0} 条说明,见日志文件)</source>
            <translation> ({0} more note(s) in the log file)</translation>
        </message>
        <message>
            <source>已载入其他程序(另一个窗口、QGIS 等)对项目的修改。</source>
            <translation>Changes made by another program (another window, QGIS…) were loaded.</translation>
        </message>
        <message>
            <source>已重新载入项目。</source>
            <translation>The project was reloaded.</translation>
        </message>
        <message>
            <source>稍后</source>
            <translation>Later</translation>
        </message>
        <message>
            <source>载入其他程序(另一个窗口、QGIS 等)对项目文件的修改</source>
            <translation>Load the changes another program (another window, QGIS…) made to the project file</translation>
        </message>
        <message>
            <source>重新载入</source>
            <translation>Reload</translation>
        </message>
        <message>
            <source>重新载入后,其他程序的修改会显示出来,然后可以再做一次刚才的操作。</source>
            <translation>After reloading, the other program's changes are shown and you can do what you just did again.</translation>
        </message>
        <message>
            <source>项目已被其他程序修改</source>
            <translation>The project was changed by another program</translation>
        </message>
        <message>
            <source>项目已被其他程序修改并已重新载入,请再做一次刚才的操作。</source>
            <translation>Another program changed the project and it was reloaded; please do that again.</translation>
        </message>
        <message>
            <source>项目文件没有被其他程序修改。</source>
            <translation>No other program has changed the project file.</translation>
        </message>
    </context>
    <context>
        <name>MapLegend</name>
        <message>
            <source>图例 ▾</source>
            <translation>Legend ▾</translation>
        </message>
        <message>
            <source>显示或收起图例</source>
            <translation>Show or fold the legend</translation>
        </message>
        <message>
            <source>责任网格</source>
            <translation>responsibility grid</translation>
        </message>
        <message>
            <source>未覆盖区域</source>
            <translation>not covered</translation>
        </message>
        <message>
            <source>待划分单元</source>
            <translation>unit not divided yet</translation>
        </message>
        <message>
            <source>重叠</source>
            <translation>overlap</translation>
        </message>
        <message>
            <source>跨出单元</source>
            <translation>outside its unit</translation>
        </message>
        <message>
            <source>切割楼栋/小组</source>
            <translation>cuts building/group</translation>
        </message>
        <message>
            <source>选中的微网格</source>
            <translation>selected</translation>
        </message>
        <message>
            <source>微网格(按类别)</source>
            <translation>Micro-grids (by category)</translation>
        </message>
        <message>
            <source>微网格(按检查状态)</source>
            <translation>Micro-grids (by check state)</translation>
        </message>
        <message>
            <source>管理单元边界(按类型)</source>
            <translation>Unit outlines (by type)</translation>
        </message>
        <message>
            <source>检查发现的问题</source>
            <translation>Problems found</translation>
        </message>
        <message>
            <source>图例 ▸</source>
            <translation>Legend ▸</translation>
        </message>
    </context>
    <context>
        <name>RestoreBackupDialog</name>
        <message>
            <source>恢复备份</source>
            <translation>Restore backup</translation>
        </message>
        <message>
            <source>(没有打开项目)</source>
            <translation>(no project open)</translation>
        </message>
        <message>
            <source>每次打开项目时,程序会自动把它复制一份保存到本机的备份文件夹。当前项目:{0}</source>
            <translation>Every time a project is opened, mapedit saves a copy of it in a backup folder on this computer. Current project: {0}</translation>
        </message>
        <message>
            <source>备份时间</source>
            <translation>Backed up at</translation>
        </message>
        <message>
            <source>大小</source>
            <translation>Size</translation>
        </message>
        <message>
            <source>微网格数</source>
            <translation>Micro-grids</translation>
        </message>
        <message>
            <source>每个项目保留最近的备份份数(0 = 不备份):</source>
            <translation>Backups kept per project (0 = none):</translation>
        </message>
        <message>
            <source>另存为新项目…</source>
            <translation>Restore as new project…</translation>
        </message>
        <message>
            <source>替换当前项目…</source>
            <translation>Replace current project…</translation>
        </message>
        <message>
            <source>恢复为新项目文件</source>
            <translation>Restore as a new project file</translation>
        </message>
        <message>
            <source>要替换当前项目,请使用“替换当前项目”。</source>
            <translation>To replace the current project, use “Replace current project”.</translation>
        </message>
        <message>
            <source>已恢复到 {0}。现在打开它吗?</source>
            <translation>Restored to {0}. Open it now?</translation>
        </message>
        <message>
            <source>替换当前项目</source>
            <translation>Replace current project</translation>
        </message>
        <message>
            <source>用 {0} 的备份替换当前项目 {1}?

替换前,当前内容会另存一份备份,以后仍可从这里恢复。撤销记录会清空。</source>
            <translation>Replace the current project {1} with the backup of {0}?

The current content is backed up first and can be restored from here later. The undo history is cleared.</translation>
        </message>
    </context>
    <context>
        <name>SelfTestDialog</name>
        <message>
            <source>自检</source>
            <translation>Self-test</translation>
        </message>
        <message>
            <source>自检会在临时文件夹中生成示例项目,用编辑工具绘制并分割一个微网格,然后检查、导出并渲染地图,用一两分钟确认本机上的程序完好。您的项目和设置不会被改动。</source>
            <translation>The self-test makes the demo project in a temporary folder, draws and splits a micro-grid with the editing tools, then checks, exports and renders the map: a minute or two to confirm that mapedit works on this computer. Your projects and settings are not touched.</translation>
        </message>
        <message>
            <source>开始自检</source>
            <translation>Run self-test</translation>
        </message>
        <message>
            <source>复制结果</source>
            <translation>Copy results</translation>
        </message>
        <message>
            <source>全部通过</source>
            <translation>All steps passed</translation>
        </message>
        <message>
            <source>有步骤失败,请把结果复制给技术支持</source>
            <translation>Some steps failed; please copy the results to support</translation>
        </message>
    </context>
    <context>
        <name>SupportActions</name>
        <message>
            <source>恢复备份…</source>
            <translation>Restore backup…</translation>
        </message>
        <message>
            <source>从自动保存的备份中恢复当前项目</source>
            <translation>Restore the current project from an automatic backup</translation>
        </message>
        <message>
            <source>欢迎页</source>
            <translation>Welcome page</translation>
        </message>
        <message>
            <source>示例街道、新建项目、最近的项目和天地图密钥</source>
            <translation>Demo street, new project, recent projects and the Tianditu key</translation>
        </message>
        <message>
            <source>自检</source>
            <translation>Self-test</translation>
        </message>
        <message>
            <source>检查本机上的程序是否完好(与 mapedit --self-test 相同)</source>
            <translation>Check that mapedit works on this computer (same as mapedit --self-test)</translation>
        </message>
        <message>
            <source>打开日志文件夹</source>
            <translation>Open log folder</translation>
        </message>
    </context>
    <context>
        <name>UnitTreePanel</name>
        <message>
            <source>按名称或编码查找管理单元…</source>
            <translation>Find a unit by name or code…</translation>
        </message>
        <message>
            <source>名称</source>
            <translation>Name</translation>
        </message>
        <message>
            <source>街道 → 责任网格 → 管理单元 → 微网格;双击可在地图上定位</source>
            <translation>Street → responsibility grid → unit → micro-grid; double-click to zoom</translation>
        </message>
        <message>
            <source>管理单元内的微网格个数</source>
            <translation>Number of micro-grids in the unit</translation>
        </message>
        <message>
            <source>微网格覆盖管理单元面积的比例,应为 100%</source>
            <translation>Share of the unit covered by micro-grids; should be 100%</translation>
        </message>
        <message>
            <source>管理单元内各微网格户数之和</source>
            <translation>Sum of households of the unit's micro-grids</translation>
        </message>
        <message>
            <source>尚未处理的错误(不含已接受的例外)</source>
            <translation>Open errors (accepted exceptions not counted)</translation>
        </message>
        <message>
            <source>街道</source>
            <translation>Street</translation>
        </message>
        <message>
            <source>责任网格 {0}</source>
            <translation>Responsibility grid {0}</translation>
        </message>
        <message>
            <source>(未归属责任网格)</source>
            <translation>(no responsibility grid)</translation>
        </message>
        <message>
            <source>{0}({1},编码 {2}){3}</source>
            <translation>{0} ({1}, code {2}){3}</translation>
        </message>
        <message>
            <source>,已锁定</source>
            <translation>, locked</translation>
        </message>
    </context>
    <context>
        <name>ToolManager</name>
        <message>
            <source>选择</source>
            <translation>Select</translation>
        </message>
        <message>
            <source>选择:单击微网格查看属性,Ctrl+单击多选;拖动平移,滚轮缩放</source>
            <translation>Select: click a micro-grid to see its properties, Ctrl+click to select several; drag to pan, wheel to zoom</translation>
        </message>
        <message>
            <source>绘制微网格</source>
            <translation>Draw grid</translation>
        </message>
        <message>
            <source>单击添加节点,双击或回车完成,Esc 取消;Backspace 删除上一个节点;按住 Shift 不吸附,按住 T 沿已有边线追踪</source>
            <translation>Click to add vertices, double-click or Enter to finish, Esc to cancel; Backspace removes the last vertex; hold Shift to stop snapping, hold T to trace an existing edge</translation>
        </message>
        <message>
            <source>分割微网格</source>
            <translation>Split grid</translation>
        </message>
        <message>
            <source>从微网格外侧单击开始画分割线,穿过微网格后双击或回车完成;Backspace 删除上一个节点,Esc 取消</source>
            <translation>Click outside the grid to start the split line, cross the grid, then double-click or press Enter; Backspace removes the last vertex, Esc cancels</translation>
        </message>
        <message>
            <source>沿道路分割</source>
            <translation>Split by road</translation>
        </message>
        <message>
            <source>单击微网格中的一条道路,沿这条道路把该微网格分割开</source>
            <translation>Click a road inside a grid to split the grid along that road</translation>
        </message>
        <message>
            <source>编辑节点</source>
            <translation>Edit vertices</translation>
        </message>
        <message>
            <source>拖动节点移动它(公共节点在相邻微网格中一起移动);Ctrl+单击边线添加节点;Delete 或右键删除节点;Esc 取消拖动</source>
            <translation>Drag a vertex to move it (a shared vertex moves in the neighbouring grids too); Ctrl+click an edge to add a vertex; Delete or right-click removes a vertex; Esc cancels a drag</translation>
        </message>
        <message>
            <source>填补空隙</source>
            <translation>Fill gap</translation>
        </message>
        <message>
            <source>单击管理单元内未被微网格覆盖的空白处,选择“新建微网格”或“并入相邻微网格”</source>
            <translation>Click an uncovered spot inside a unit, then choose “new grid” or “add to a neighbour”</translation>
        </message>
        <message>
            <source>追踪</source>
            <translation>Trace</translation>
        </message>
        <message>
            <source>开启后,在同一条边线(单元边界、相邻微网格、道路)上先后吸附两点,将沿这条边线自动补齐中间节点;绘制时按住 T 也可临时开启</source>
            <translation>When on, snapping to two points on the same edge (unit boundary, neighbouring grid, road) fills in the vertices along that edge; hold T while drawing to trace just once</translation>
        </message>
        <message>
            <source>追踪(绘制时按住 T)</source>
            <translation>Trace (hold T while drawing)</translation>
        </message>
        <message>
            <source>贴合邻居</source>
            <translation>Fit to neighbours</translation>
        </message>
        <message>
            <source>开启:新微网格自动填满与相邻微网格之间的细缝;关闭(默认):新微网格只裁去与已有微网格重叠的部分</source>
            <translation>On: a new grid fills the narrow gaps up to its neighbours; off (default): a new grid only loses the parts that overlap existing grids</translation>
        </message>
        <message>
            <source>合并</source>
            <translation>Merge</translation>
        </message>
        <message>
            <source>把选中的两个或多个相邻微网格合并为一个</source>
            <translation>Merge the two or more selected neighbouring grids into one</translation>
        </message>
        <message>
            <source>填补本单元全部空隙</source>
            <translation>Fill all gaps of unit</translation>
        </message>
        <message>
            <source>把当前管理单元内所有未覆盖的空隙并入公共边最长的相邻微网格</source>
            <translation>Give every uncovered gap of the current unit to the neighbouring grid with the longest shared edge</translation>
        </message>
        <message>
            <source>由楼栋计算户数</source>
            <translation>Households from buildings</translation>
        </message>
        <message>
            <source>按底图楼栋计算选中微网格的户数,与已录入的户数对照</source>
            <translation>Compute the selected grid's households from the building layer and compare with the entered value</translation>
        </message>
        <message>
            <source>编辑</source>
            <translation>Edit</translation>
        </message>
        <message>
            <source>编辑工具</source>
            <translation>Editing tools</translation>
        </message>
        <message>
            <source>编辑(&amp;E)</source>
            <translation>&amp;Edit</translation>
        </message>
    </context>
    <context>
        <name>WelcomeDialog</name>
        <message>
            <source>欢迎使用微网格编辑器</source>
            <translation>Welcome to the micro-grid editor</translation>
        </message>
        <message>
            <source>&lt;h2&gt;微网格编辑器&lt;/h2&gt;在管理单元内绘制微网格,边画边检查,导出给城运平台。</source>
            <translation>&lt;h2&gt;Micro-grid editor&lt;/h2&gt;Draw micro-grids inside management units, checked as you draw, and export them for the city-operations platform.</translation>
        </message>
        <message>
            <source>打开示例街道</source>
            <translation>Open the demo street</translation>
        </message>
        <message>
            <source>夏阳街道示例数据,可以随意练习</source>
            <translation>Sample data of Xiayang street, to practise on freely</translation>
        </message>
        <message>
            <source>由管理单元文件新建项目…</source>
            <translation>New project from a units file…</translation>
        </message>
        <message>
            <source>读入上级下发的 units.geojson</source>
            <translation>Read the units.geojson handed down by the district</translation>
        </message>
        <message>
            <source>打开项目…</source>
            <translation>Open project…</translation>
        </message>
        <message>
            <source>打开已有的 .gpkg 项目文件</source>
            <translation>Open an existing .gpkg project file</translation>
        </message>
        <message>
            <source>最近的项目</source>
            <translation>Recent projects</translation>
        </message>
        <message>
            <source>(文件已不存在)</source>
            <translation>(file no longer exists)</translation>
        </message>
        <message>
            <source>(还没有打开过项目)</source>
            <translation>(no project opened yet)</translation>
        </message>
        <message>
            <source>天地图密钥(可选)</source>
            <translation>Tianditu key (optional)</translation>
        </message>
        <message>
            <source>在线影像和地图底图来自国家地理信息公共服务平台“天地图”,需要一个免费的密钥:在天地图网站(tianditu.gov.cn)注册后,在“控制台 → 应用管理”创建应用,类型选“浏览器端”,把得到的密钥粘贴到这里。密钥只保存在本机您自己的设置中,不会写进项目文件,项目可以放心发给别人。没有密钥也可以使用本程序,只是没有在线底图。</source>
            <translation>Online imagery and base maps come from Tianditu, the national public map service, which needs a free key: register on the Tianditu website (tianditu.gov.cn), create an application under “Console → Application management” with the type “Browser”, and paste the key here. The key is kept only in your own settings on this computer, never in a project file, so projects can be passed on safely. mapedit works without a key, just without online base maps.</translation>
        </message>
        <message>
            <source>例如 0123456789abcdef0123456789abcdef</source>
            <translation>e.g. 0123456789abcdef0123456789abcdef</translation>
        </message>
    </context>
    <context>
        <name>mapedit</name>
        <message>
            <source>
&lt;h3&gt;微网格编辑器使用说明&lt;/h3&gt;
&lt;ol&gt;
&lt;li&gt;&lt;b&gt;打开项目&lt;/b&gt;:启动时打开上次的项目(第一次是示范街道);“文件 → 打开”选择自己的项目(.gpkg),
或“文件 → 新建(从管理单元文件)”读入上级下发的 units.geojson。打开后地图立即可用,
整个项目的检查在后台进行,状态栏显示进度。&lt;/li&gt;
&lt;li&gt;&lt;b&gt;查看进度&lt;/b&gt;:左侧“管理单元”列表显示每个单元的微网格数、覆盖率、户数合计和错误数。
覆盖率应为 100%,错误数应为 0。双击一行可在地图上定位。&lt;/li&gt;
&lt;li&gt;&lt;b&gt;绘制和修改&lt;/b&gt;:绘制 D、分割 S、沿道路分割 R、编辑节点 V、填补空隙 F、合并 M;
Esc 取消,Ctrl+Z 撤销。不能完成的修改会在地图上方说明原因。&lt;/li&gt;
&lt;li&gt;&lt;b&gt;修改属性&lt;/b&gt;:在地图或列表中点选一个微网格,在右侧“属性”中修改名称、类别、条线部门、
户数、人口、四至和备注。类别只能从本单元类型允许的类别中选择,把鼠标停在类别上可看划分原则。&lt;/li&gt;
&lt;li&gt;&lt;b&gt;检查&lt;/b&gt;:每次修改后自动检查。右侧“检查结果”按问题类型和管理单元分组,
点击一条即可定位。确属实际情况的问题可“标记为例外”并写明原因。&lt;/li&gt;
&lt;li&gt;&lt;b&gt;户数平衡&lt;/b&gt;:小区和村组的每个微网格应有 300–500 户;“户数平衡”图中绿色在范围内,
橙色超出范围。&lt;/li&gt;
&lt;li&gt;&lt;b&gt;导出&lt;/b&gt;:“文件 → 导出”(Ctrl+E)先显示检查结果,再选择格式(GeoJSON、Shapefile、
GeoPackage、KML、CSV)、导出配置、坐标系和文件夹;有错误时先询问,导出清单 manifest.json 随文件一起写出。&lt;/li&gt;
&lt;/ol&gt;
&lt;p&gt;每次修改都立即保存到项目文件,并可用 Ctrl+Z 撤销、Ctrl+Y 重做。&lt;/p&gt;
&lt;p&gt;&lt;b&gt;主要规则&lt;/b&gt;:微网格不能重叠、不能留空、不能跨出管理单元;边界不能切割楼栋;
村组微网格不能跨村民小组;编码为管理单元编码加三位序号。&lt;/p&gt;
</source>
            <translation>
&lt;h3&gt;Using the micro-grid editor&lt;/h3&gt;
&lt;ol&gt;
&lt;li&gt;&lt;b&gt;Open&lt;/b&gt;: mapedit opens the project you had open last (the demo street the first time);
File → Open chooses a project (.gpkg), File → New creates one from the platform's units.geojson.
The map is ready at once; the whole project is checked in the background, with progress in the
status bar.&lt;/li&gt;
&lt;li&gt;&lt;b&gt;Progress&lt;/b&gt;: the units tree shows grids, coverage (should be 100 %), households and errors
per unit; double-click a row to zoom to it.&lt;/li&gt;
&lt;li&gt;&lt;b&gt;Draw and edit&lt;/b&gt;: draw D, split S, split along a road R, vertices V, fill gaps F, merge M;
Esc cancels, Ctrl+Z undoes. When a change cannot be made, the reason is shown over the map.&lt;/li&gt;
&lt;li&gt;&lt;b&gt;Properties&lt;/b&gt;: select a grid on the map or in the tree and edit its name, category,
departments, households, population, bounds and notes on the right. Only the categories allowed
for the unit type can be chosen; hover a category to read its rule.&lt;/li&gt;
&lt;li&gt;&lt;b&gt;Check&lt;/b&gt;: every edit is checked at once. The findings are grouped by problem and unit;
click one to zoom to it, or accept it as an exception with a reason.&lt;/li&gt;
&lt;li&gt;&lt;b&gt;Household balance&lt;/b&gt;: residential grids should hold 300–500 households; green bars are in
the band, orange ones outside.&lt;/li&gt;
&lt;li&gt;&lt;b&gt;Export&lt;/b&gt; (File → Export, Ctrl+E): the check summary first, then the format (GeoJSON,
Shapefile, GeoPackage, KML, CSV), export profile, coordinate system and folder; with errors you are
asked first, and manifest.json is written beside the files.&lt;/li&gt;
&lt;/ol&gt;
&lt;p&gt;Every edit is saved to the project file at once and can be undone (Ctrl+Z) and redone
(Ctrl+Y).&lt;/p&gt;
&lt;p&gt;&lt;b&gt;Main rules&lt;/b&gt;: micro-grids must not overlap, leave gaps or cross their unit; their edges
must not cut buildings; a villager-group grid must not split a villager group; a grid's code is
its unit's code plus a three-digit number.&lt;/p&gt;
</translation>
        </message>
        <message>
            <source>(撤销后恢复)</source>
            <translation>(restored by undo)</translation>
        </message>
        <message>
            <source>CGCS2000 经纬度</source>
            <translation>CGCS2000 longitude/latitude</translation>
        </message>
        <message>
            <source>GCJ-02(高德/腾讯地图坐标)</source>
            <translation>GCJ-02 (Amap/Tencent map coordinates)</translation>
        </message>
        <message>
            <source>WGS84 经纬度(标准,城运平台默认)</source>
            <translation>WGS84 longitude/latitude (standard, platform default)</translation>
        </message>
        <message>
            <source>{0:g} 千米</source>
            <translation>{0:g} km</translation>
        </message>
        <message>
            <source>{0:g} 米</source>
            <translation>{0:g} m</translation>
        </message>
        <message>
            <source>{0} 户</source>
            <translation>{0} households</translation>
        </message>
        <message>
            <source>{0}户</source>
            <translation>{0} hh</translation>
        </message>
        <message>
            <source>、</source>
            <translation>, </translation>
        </message>
        <message>
            <source>不能分割:{0}</source>
            <translation>Cannot split: {0}</translation>
        </message>
        <message>
            <source>不能删除节点</source>
            <translation>Cannot delete the vertex</translation>
        </message>
        <message>
            <source>不能添加节点</source>
            <translation>Cannot add a vertex</translation>
        </message>
        <message>
            <source>不能移动节点</source>
            <translation>Cannot move the vertex</translation>
        </message>
        <message>
            <source>企业</source>
            <translation>Enterprise</translation>
        </message>
        <message>
            <source>公共区域</source>
            <translation>Public area</translation>
        </message>
        <message>
            <source>公共机构</source>
            <translation>Public institution</translation>
        </message>
        <message>
            <source>关闭</source>
            <translation>Close</translation>
        </message>
        <message>
            <source>其它</source>
            <translation>Other</translation>
        </message>
        <message>
            <source>养老</source>
            <translation>Elderly care</translation>
        </message>
        <message>
            <source>农场</source>
            <translation>Farm</translation>
        </message>
        <message>
            <source>农村</source>
            <translation>Village</translation>
        </message>
        <message>
            <source>分割 {0} 个微网格</source>
            <translation>split {0} micro-grids</translation>
        </message>
        <message>
            <source>分割线没有穿过任何微网格:请从微网格外侧开始,穿过它,到另一侧结束。</source>
            <translation>The line crosses no micro-grid: start outside a grid, cross it and end on the other side.</translation>
        </message>
        <message>
            <source>只能合并同一个管理单元内的微网格:所选微网格属于不同的管理单元。</source>
            <translation>Only micro-grids of one management unit can be merged: the selected grids belong to different units.</translation>
        </message>
        <message>
            <source>商业体</source>
            <translation>Commercial complex</translation>
        </message>
        <message>
            <source>坐标系:</source>
            <translation>Coordinate system:</translation>
        </message>
        <message>
            <source>学校</source>
            <translation>School</translation>
        </message>
        <message>
            <source>小区</source>
            <translation>Residential compound</translation>
        </message>
        <message>
            <source>工地</source>
            <translation>Construction site</translation>
        </message>
        <message>
            <source>已分割 {0} 个微网格,得到 {1} 个(可按 Ctrl+Z 撤销)</source>
            <translation>Split {0} micro-grid(s) into {1} (Ctrl+Z undoes)</translation>
        </message>
        <message>
            <source>已取消移动。</source>
            <translation>Move cancelled.</translation>
        </message>
        <message>
            <source>已取消绘制。</source>
            <translation>Drawing cancelled.</translation>
        </message>
        <message>
            <source>已导出到 {0}:{1}({2})</source>
            <translation>Exported to {0}: {1} ({2})</translation>
        </message>
        <message>
            <source>已将 {0} 个微网格合并为一个(可按 Ctrl+Z 撤销)</source>
            <translation>Merged {0} micro-grids into one (Ctrl+Z undoes)</translation>
        </message>
        <message>
            <source>已录入户数:</source>
            <translation>Households entered:</translation>
        </message>
        <message>
            <source>已沿道路{0}分割,得到 {1} 个微网格(可按 Ctrl+Z 撤销)</source>
            <translation>Split along the road {0} into {1} micro-grids (Ctrl+Z undoes)</translation>
        </message>
        <message>
            <source>已添加 {0} 个节点,至少需要 {1} 个。</source>
            <translation>{0} vertices so far, at least {1} needed. </translation>
        </message>
        <message>
            <source>已添加 {0} 个节点。</source>
            <translation>{0} vertices so far. </translation>
        </message>
        <message>
            <source>并入相邻微网格:{0}(公共边 {1:.0f} 米)</source>
            <translation>Give to neighbour: {0} (shared edge {1:.0f} m)</translation>
        </message>
        <message>
            <source>并入相邻微网格…</source>
            <translation>Give to a neighbouring micro-grid…</translation>
        </message>
        <message>
            <source>底图中这里没有带户数的楼栋</source>
            <translation>No buildings with households here in the base map</translation>
        </message>
        <message>
            <source>待划分</source>
            <translation>To divide</translation>
        </message>
        <message>
            <source>微网格:</source>
            <translation>Micro-grid:</translation>
        </message>
        <message>
            <source>微网格项目 (*.gpkg)</source>
            <translation>mapedit project (*.gpkg)</translation>
        </message>
        <message>
            <source>把这块空隙(约 {0:.0f} 平方米)作为一个新的微网格</source>
            <translation>Make this gap (about {0:.0f} m²) a new micro-grid</translation>
        </message>
        <message>
            <source>把这块空隙并入 {0}</source>
            <translation>Give this gap to {0}</translation>
        </message>
        <message>
            <source>按楼栋计算 = 中心点落在微网格内的各楼栋户数之和(每栋楼只计一次)。只有按下“采用计算值”才会修改已录入的户数,可撤销。</source>
            <translation>From buildings = the households of the buildings whose centre lies in the micro-grid (each building counted once). The entered value changes only when you press "Use computed value"; it can be undone.</translation>
        </message>
        <message>
            <source>按楼栋计算:</source>
            <translation>From buildings:</translation>
        </message>
        <message>
            <source>撤销例外:{0}</source>
            <translation>withdraw exception: {0}</translation>
        </message>
        <message>
            <source>文件夹 {0} 中已有 {1}。要用这次导出替换它们吗?</source>
            <translation>The folder {0} already holds {1}. Replace them with this export?</translation>
        </message>
        <message>
            <source>文件已不存在:{0}</source>
            <translation>The file no longer exists: {0}</translation>
        </message>
        <message>
            <source>文体</source>
            <translation>Culture and sports</translation>
        </message>
        <message>
            <source>新建微网格</source>
            <translation>New micro-grid</translation>
        </message>
        <message>
            <source>无问题</source>
            <translation>No problem</translation>
        </message>
        <message>
            <source>有警告</source>
            <translation>Warnings</translation>
        </message>
        <message>
            <source>有错误</source>
            <translation>Errors</translation>
        </message>
        <message>
            <source>未填写</source>
            <translation>not entered</translation>
        </message>
        <message>
            <source>村组</source>
            <translation>Villager group</translation>
        </message>
        <message>
            <source>松开鼠标完成移动,Esc 取消;按住 Shift 不吸附</source>
            <translation>Release the mouse to finish the move, Esc cancels; hold Shift not to snap</translation>
        </message>
        <message>
            <source>标记为例外:{0}</source>
            <translation>accept as exception: {0}</translation>
        </message>
        <message>
            <source>检查中 %p%</source>
            <translation>Checking %p%</translation>
        </message>
        <message>
            <source>检查失败:{0}</source>
            <translation>The check failed: {0}</translation>
        </message>
        <message>
            <source>楼宇</source>
            <translation>Office building</translation>
        </message>
        <message>
            <source>正在准备示范街道…</source>
            <translation>Preparing the demo street…</translation>
        </message>
        <message>
            <source>正在打开 {0}…</source>
            <translation>Opening {0}…</translation>
        </message>
        <message>
            <source>正在检查…</source>
            <translation>Checking…</translation>
        </message>
        <message>
            <source>正在检查整个项目;可以继续编辑,结果出来后自动显示</source>
            <translation>Checking the whole project; you can keep editing, the results appear when ready</translation>
        </message>
        <message>
            <source>正在检查整个项目…可以继续编辑,检查结果稍后显示。</source>
            <translation>Checking the whole project… You can keep editing; the findings appear when the check is done.</translation>
        </message>
        <message>
            <source>没有创建项目文件。</source>
            <translation>No project file was created.</translation>
        </message>
        <message>
            <source>没有需要修改的内容。</source>
            <translation>Nothing to change.</translation>
        </message>
        <message>
            <source>浏览…</source>
            <translation>Browse…</translation>
        </message>
        <message>
            <source>管理单元“{0}”没有需要填补的空隙。</source>
            <translation>Unit "{0}" has no gaps to fill.</translation>
        </message>
        <message>
            <source>管理单元文件</source>
            <translation>Units file</translation>
        </message>
        <message>
            <source>管理单元文件是上级下发的 units.geojson:每个管理单元一个面(Polygon 或 MultiPolygon),属性 code(编码,如 12 位数字)、name(名称)、unit_type(类型,只能是:{0})、responsibility_grid(所属责任网格,可不填)。</source>
            <translation>The units file is the units.geojson from the platform: one polygon (Polygon or MultiPolygon) per management unit with the properties code (e.g. 12 digits), name, unit_type (one of: {0}) and responsibility_grid (optional).</translation>
        </message>
        <message>
            <source>绘制方式:贴合相邻微网格,自动填满细缝</source>
            <translation>Drawing: fit to neighbouring micro-grids, filling thin gaps</translation>
        </message>
        <message>
            <source>绘制方式:避让已有微网格,重叠部分裁去</source>
            <translation>Drawing: avoid existing micro-grids, overlaps are cut off</translation>
        </message>
        <message>
            <source>网格</source>
            <translation>Grids</translation>
        </message>
        <message>
            <source>至少需要 {0} 个节点才能完成,请继续单击,或按 Esc 取消。</source>
            <translation>At least {0} vertices are needed to finish; keep clicking, or press Esc to cancel.</translation>
        </message>
        <message>
            <source>街面</source>
            <translation>Street front</translation>
        </message>
        <message>
            <source>覆盖%</source>
            <translation>Cover %</translation>
        </message>
        <message>
            <source>解锁管理单元 {0}</source>
            <translation>unlock unit {0}</translation>
        </message>
        <message>
            <source>请先打开一个项目。</source>
            <translation>Open a project first.</translation>
        </message>
        <message>
            <source>请先选择一个微网格,再计算户数。</source>
            <translation>Select a micro-grid first, then compute its households.</translation>
        </message>
        <message>
            <source>请先选择一个管理单元(单击单元内的微网格,或在左侧管理单元树中选择)。</source>
            <translation>Select a management unit first (click a micro-grid in it, or choose it in the unit tree on the left).</translation>
        </message>
        <message>
            <source>请先选择至少两个相邻的微网格(按住 Ctrl 单击可多选),再按 M 合并。</source>
            <translation>Select at least two neighbouring micro-grids first (Ctrl+click adds to the selection), then press M to merge.</translation>
        </message>
        <message>
            <source>请按住 Ctrl 单击微网格的边线来添加节点。</source>
            <translation>Hold Ctrl and click the edge of a micro-grid to add a vertex.</translation>
        </message>
        <message>
            <source>读取 {0} 时出现内部错误:{1}

没有创建项目文件。请把日志 mapedit.log 发给技术支持。</source>
            <translation>An internal error occurred while reading {0}: {1}

No project file was created. Please send the log mapedit.log to support.</translation>
        </message>
        <message>
            <source>这两个点不在同一条边线上,已按直线连接。</source>
            <translation>The two points are not on one edge; they were joined by a straight line.</translation>
        </message>
        <message>
            <source>这里不在任何管理单元内。</source>
            <translation>This is not inside any management unit.</translation>
        </message>
        <message>
            <source>这里没有空隙:已被微网格覆盖。请单击管理单元内的空白处。</source>
            <translation>No gap here: this is covered by micro-grids. Click an empty part of a unit.</translation>
        </message>
        <message>
            <source>这里没有节点:请把鼠标移到节点上(出现方框标记)再拖动。</source>
            <translation>No vertex here: move the mouse onto a vertex (a square marker appears), then drag.</translation>
        </message>
        <message>
            <source>这里没有道路:请单击底图上的一条道路(可放大后再点)。</source>
            <translation>No road here: click a road of the base map (zoom in if needed).</translation>
        </message>
        <message>
            <source>追踪已开启:在同一条边线上吸附两点,将沿边线连接。</source>
            <translation>Tracing on: snap two points on one edge and the edge between them is followed.</translation>
        </message>
        <message>
            <source>采用计算值</source>
            <translation>Use computed value</translation>
        </message>
        <message>
            <source>锁定管理单元 {0}</source>
            <translation>lock unit {0}</translation>
        </message>
        <message>
            <source>项目文件</source>
            <translation>Project file</translation>
        </message>
        <message>
            <source>风景区</source>
            <translation>Scenic area</translation>
        </message>
        <message>
            <source>医疗</source>
            <translation>Medical</translation>
        </message>
        <message>
            <source>新微网格放在管理单元“{0}”:图形大部分在这个单元里。</source>
            <translation>The new micro-grid went to unit "{0}": most of the outline lies in it.</translation>
        </message>
    </context>
    <context>
        <name>SheetsDialog</name>
        <message>
            <source>{0}_图纸.pdf</source>
            <translation>{0}_sheets.pdf</translation>
        </message>
        <message>
            <source>打印/导出图纸</source>
            <translation>Print/export sheets</translation>
        </message>
        <message>
            <source>全街道图集(总图 + 每个管理单元一页)</source>
            <translation>Street atlas (overview + one page per unit)</translation>
        </message>
        <message>
            <source>选定的管理单元</source>
            <translation>Selected units</translation>
        </message>
        <message>
            <source>纸张</source>
            <translation>Paper</translation>
        </message>
        <message>
            <source>导出 PDF…</source>
            <translation>Export PDF…</translation>
        </message>
        <message>
            <source>请勾选要出图的管理单元</source>
            <translation>Tick the units to print</translation>
        </message>
        <message>
            <source>导出图纸</source>
            <translation>Export sheets</translation>
        </message>
        <message>
            <source>PDF 文件 (*.pdf)</source>
            <translation>PDF files (*.pdf)</translation>
        </message>
        <message>
            <source>正在生成图纸…</source>
            <translation>Making the sheets…</translation>
        </message>
    </context>
    <context>
        <name>TableImportDialog</name>
        <message>
            <source>导入信息表</source>
            <translation>Import information table</translation>
        </message>
        <message>
            <source>微网格编码</source>
            <translation>Grid code</translation>
        </message>
        <message>
            <source>行</source>
            <translation>Row</translation>
        </message>
        <message>
            <source>字段</source>
            <translation>Field</translation>
        </message>
        <message>
            <source>原值</source>
            <translation>Before</translation>
        </message>
        <message>
            <source>新值</source>
            <translation>After</translation>
        </message>
        <message>
            <source>应用修改</source>
            <translation>Apply changes</translation>
        </message>
        <message>
            <source>表格未导入,项目未改动:</source>
            <translation>The table was not imported; the project is unchanged: </translation>
        </message>
        <message>
            <source>问题</source>
            <translation>Problem</translation>
        </message>
        <message>
            <source>将修改 {0} 个微网格的 {1} 个字段(作为一次编辑,可撤销)。</source>
            <translation>{1} field(s) of {0} micro-grid(s) will change (one edit, undoable).</translation>
        </message>
        <message>
            <source>导出后在编辑器中修改的 {0} 个字段保持不变。</source>
            <translation>{0} field(s) edited in the editor since the export stay as they are.</translation>
        </message>
        <message>
            <source>表格与项目一致,没有需要修改的内容。</source>
            <translation>The table matches the project; nothing to change.</translation>
        </message>
    </context>
    <context>
        <name>ProgressWindow</name>
        <message>
            <source>月度推进表.xlsx</source>
            <translation>progress.xlsx</translation>
        </message>
        <message>
            <source>进度报表</source>
            <translation>Progress report</translation>
        </message>
        <message>
            <source>覆盖率 %</source>
            <translation>Coverage %</translation>
        </message>
        <message>
            <source>导出报表…</source>
            <translation>Export report…</translation>
        </message>
        <message>
            <source>导出报表</source>
            <translation>Export report</translation>
        </message>
        <message>
            <source>Excel 表格 (*.xlsx);;CSV 文件 (*.csv)</source>
            <translation>Excel workbook (*.xlsx);;CSV file (*.csv)</translation>
        </message>
        <message>
            <source>责任网格</source>
            <translation>Responsibility grid</translation>
        </message>
        <message>
            <source>管理单元</source>
            <translation>Unit</translation>
        </message>
        <message>
            <source>单元编码</source>
            <translation>Unit code</translation>
        </message>
        <message>
            <source>类型</source>
            <translation>Type</translation>
        </message>
        <message>
            <source>微网格数</source>
            <translation>Grids</translation>
        </message>
        <message>
            <source>户数</source>
            <translation>Households</translation>
        </message>
        <message>
            <source>人口</source>
            <translation>Population</translation>
        </message>
        <message>
            <source>错误数</source>
            <translation>Errors</translation>
        </message>
        <message>
            <source>警告数</source>
            <translation>Warnings</translation>
        </message>
        <message>
            <source>已锁定</source>
            <translation>Locked</translation>
        </message>
        <message>
            <source>最后编辑</source>
            <translation>Last edit</translation>
        </message>
        <message>
            <source>编辑人</source>
            <translation>Edited by</translation>
        </message>
    </context>
    <context>
        <name>PaperActions</name>
        <message>
            <source>打印/导出图纸…</source>
            <translation>Print/export sheets…</translation>
        </message>
        <message>
            <source>每个管理单元一页的确认图纸(PDF),或全街道图集</source>
            <translation>Sign-off sheets (PDF), one per unit, or the street atlas</translation>
        </message>
        <message>
            <source>导出信息表…</source>
            <translation>Export information table…</translation>
        </message>
        <message>
            <source>导出微网格信息表(Excel),供各居委/村填写</source>
            <translation>Export the micro-grid information table (Excel) for the committees and villages to fill in</translation>
        </message>
        <message>
            <source>导入信息表…</source>
            <translation>Import information table…</translation>
        </message>
        <message>
            <source>导入填好的信息表:先显示修改,再作为一次编辑应用(可撤销)</source>
            <translation>Import a filled information table: the changes are shown first, then applied as one edit (undoable)</translation>
        </message>
        <message>
            <source>进度报表…</source>
            <translation>Progress report…</translation>
        </message>
        <message>
            <source>月度推进表与覆盖率变化</source>
            <translation>Monthly progress table and coverage over time</translation>
        </message>
        <message>
            <source>与之前的导出比较…</source>
            <translation>Compare with an earlier export…</translation>
        </message>
        <message>
            <source>列出新增、删除、修改的微网格,并在地图上临时显示</source>
            <translation>List added, removed and changed micro-grids and show them on the map for now</translation>
        </message>
        <message>
            <source>导出信息表</source>
            <translation>Export information table</translation>
        </message>
        <message>
            <source>{0}_信息表.xlsx</source>
            <translation>{0}_information_table.xlsx</translation>
        </message>
        <message>
            <source>Excel 表格 (*.xlsx)</source>
            <translation>Excel workbook (*.xlsx)</translation>
        </message>
        <message>
            <source>已导出信息表 {0}:{1} 个微网格</source>
            <translation>Information table written to {0}: {1} micro-grid(s)</translation>
        </message>
        <message>
            <source>导入信息表</source>
            <translation>Import information table</translation>
        </message>
        <message>
            <source>选择之前导出的文件夹</source>
            <translation>Choose the folder of an earlier export</translation>
        </message>
        <message>
            <source>与之前的导出比较</source>
            <translation>Compare with an earlier export</translation>
        </message>
        <message>
            <source>与 {0} 比较:新增 {1},删除 {2},修改 {3}</source>
            <translation>Compared with {0}: {1} added, {2} removed, {3} changed</translation>
        </message>
    </context>
    <context>
        <name>BaseMaps</name>
        <message>
            <source>配准纸质地图</source>
            <translation>Georeference a paper map</translation>
        </message>
        <message>
            <source>打开图片…</source>
            <translation>Open image…</translation>
        </message>
        <message>
            <source>透视(手机拍的照片,至少 4 个点)</source>
            <translation>Projective (phone photo, at least 4 points)</translation>
        </message>
        <message>
            <source>仿射(扫描件或正对拍摄,至少 3 个点)</source>
            <translation>Affine (scan or square-on photo, at least 3 points)</translation>
        </message>
        <message>
            <source>在地图上预览</source>
            <translation>Preview on the map</translation>
        </message>
        <message>
            <source>保存到项目…</source>
            <translation>Save to project…</translation>
        </message>
        <message>
            <source>经度, 纬度(如 121.2345, 31.1234)或项目坐标 X, Y(米)</source>
            <translation>longitude, latitude (e.g. 121.2345, 31.1234) or project X, Y (metres)</translation>
        </message>
        <message>
            <source>用这个坐标</source>
            <translation>Use these coordinates</translation>
        </message>
        <message>
            <source>重新指定图上位置</source>
            <translation>Re-place on the image</translation>
        </message>
        <message>
            <source>重新指定地图位置</source>
            <translation>Re-place on the map</translation>
        </message>
        <message>
            <source>删除点</source>
            <translation>Delete point</translation>
        </message>
        <message>
            <source>选择纸质地图的照片或扫描件</source>
            <translation>Choose a photo or scan of the paper map</translation>
        </message>
        <message>
            <source>第 1 步:打开纸质地图的照片或扫描件(上方“打开图片…”)。</source>
            <translation>Step 1: open a photo or scan of the paper map (“Open image…” above).</translation>
        </message>
        <message>
            <source>正在准备影像…</source>
            <translation>Preparing the image…</translation>
        </message>
        <message>
            <source>正在写入项目…</source>
            <translation>Writing to the project…</translation>
        </message>
        <message>
            <source>变换:</source>
            <translation>Transform:</translation>
        </message>
        <message>
            <source>图片(纸质地图的照片或扫描件)</source>
            <translation>Image (photo or scan of the paper map)</translation>
        </message>
        <message>
            <source>项目地图</source>
            <translation>Project map</translation>
        </message>
        <message>
            <source>或输入地图坐标:</source>
            <translation>Or type map coordinates:</translation>
        </message>
        <message>
            <source>点</source>
            <translation>Point</translation>
        </message>
        <message>
            <source>使用</source>
            <translation>Use</translation>
        </message>
        <message>
            <source>图上 列</source>
            <translation>Image column</translation>
        </message>
        <message>
            <source>图上 行</source>
            <translation>Image row</translation>
        </message>
        <message>
            <source>地图 X</source>
            <translation>Map X</translation>
        </message>
        <message>
            <source>地图 Y</source>
            <translation>Map Y</translation>
        </message>
        <message>
            <source>残差(米)</source>
            <translation>Residual (m)</translation>
        </message>
        <message>
            <source>图片</source>
            <translation>Images</translation>
        </message>
        <message>
            <source>;点数刚好够用,残差还不能说明精度,请再加几个点</source>
            <translation>; just enough points: the residuals say nothing about accuracy yet — add a few more</translation>
        </message>
        <message>
            <source>保存到项目</source>
            <translation>Save to project</translation>
        </message>
        <message>
            <source>图层名称:</source>
            <translation>Layer name:</translation>
        </message>
        <message>
            <source>现在在右边的地图上点同一个位置,或在下面输入它的坐标(Esc 取消)。</source>
            <translation>Now click the same place on the map on the right, or type its coordinates below (Esc cancels).</translation>
        </message>
        <message>
            <source>均方根误差 RMS:{rms:.2f} 米({n} 个点)</source>
            <translation>RMS error: {rms:.2f} m ({n} points)</translation>
        </message>
        <message>
            <source>没有保存:</source>
            <translation>Not saved: </translation>
        </message>
        <message>
            <source>已保存为图层“{name}”,可以照着它描绘微网格了</source>
            <translation>Saved as layer “{name}”: you can now trace micro-grids over it</translation>
        </message>
        <message>
            <source>现在在左边的图片上点同一个位置(Esc 取消)。</source>
            <translation>Now click the same place in the image on the left (Esc cancels).</translation>
        </message>
        <message>
            <source>残差远大于其他点:可能点错了位置</source>
            <translation>Residual far larger than the others: probably clicked in the wrong place</translation>
        </message>
        <message>
            <source>在左边的图片上点第 {n} 点的新位置(Esc 取消)。</source>
            <translation>Click the new position of point {n} in the image on the left (Esc cancels).</translation>
        </message>
        <message>
            <source>在右边的地图上点第 {n} 点的新位置,或在下面输入坐标(Esc 取消)。</source>
            <translation>Click the new position of point {n} on the map on the right, or type coordinates below (Esc cancels).</translation>
        </message>
        <message>
            <source>继续添加点可以提高精度(建议 6 个以上,分散在四周)。检查残差:某点特别大时多半是点错了,选中它重新指定或删除。满意后点“保存到项目…”,然后就可以照着描绘微网格。</source>
            <translation>More points improve the fit (6 or more, spread around the edges are best). Check the residuals: a point far worse than the others was probably mis-clicked — select it to re-place or delete it. When satisfied, click “Save to project…” and trace micro-grids over it.</translation>
        </message>
        <message>
            <source>还不能计算:需要至少 {need} 个点</source>
            <translation>Cannot fit yet: needs at least {need} points</translation>
        </message>
        <message>
            <source>在左边的图片上点一个能认出的位置(路口、建筑角),再在右边地图上点同一位置。已有 {n} 个点,至少需要 {need} 个;点尽量分散在图的四周。</source>
            <translation>Click a place you recognise in the image on the left (a crossroads, a building corner), then the same place on the map on the right. {n} points so far, at least {need} needed; spread them around the edges.</translation>
        </message>
        <message>
            <source>添加图层</source>
            <translation>Add layer</translation>
        </message>
        <message>
            <source>来源</source>
            <translation>Source</translation>
        </message>
        <message>
            <source>选择文件,或粘贴瓦片地址,如 https://…/{z}/{x}/{y}.png</source>
            <translation>Choose a file, or paste a tile URL such as https://…/{z}/{x}/{y}.png</translation>
        </message>
        <message>
            <source>选择文件…</source>
            <translation>Choose file…</translation>
        </message>
        <message>
            <source>影像</source>
            <translation>Imagery</translation>
        </message>
        <message>
            <source>影像注记</source>
            <translation>Imagery labels</translation>
        </message>
        <message>
            <source>矢量</source>
            <translation>Vector map</translation>
        </message>
        <message>
            <source>矢量注记</source>
            <translation>Vector labels</translation>
        </message>
        <message>
            <source>地形</source>
            <translation>Terrain</translation>
        </message>
        <message>
            <source>地形注记</source>
            <translation>Terrain labels</translation>
        </message>
        <message>
            <source>使用天地图</source>
            <translation>Use Tianditu</translation>
        </message>
        <message>
            <source>可添加:
· 矢量文件:Shapefile(.shp/.zip)、CAD 图纸(.dxf)、GeoPackage、GeoJSON、KML
· 影像:GeoTIFF,或带坐标文件(.pgw/.jgw/.tfw/.wld)的 PNG/JPEG/TIFF
· 在线瓦片:瓦片地址模板或天地图
· 离线瓦片:MBTiles 文件

没有坐标的纸质地图照片或扫描件:请用 文件 → 配准纸质地图…</source>
            <translation>You can add:
· vector files: Shapefile (.shp/.zip), CAD drawings (.dxf), GeoPackage, GeoJSON, KML
· imagery: GeoTIFF, or PNG/JPEG/TIFF with a world file (.pgw/.jgw/.tfw/.wld)
· online tiles: a tile URL template or Tianditu
· offline tiles: an MBTiles file

A photo or scan of a paper map without coordinates: use File → Georeference a paper map…</translation>
        </message>
        <message>
            <source>属性表(前几行):中文显示为乱码时,请在左侧换一种编码</source>
            <translation>Attributes (first rows): if the Chinese text is garbled, choose another encoding on the left</translation>
        </message>
        <message>
            <source>取消</source>
            <translation>Cancel</translation>
        </message>
        <message>
            <source>角色决定图层的用途:建筑 → 不能跨楼栋检查、由楼栋计算户数;村民小组 → 村组检查;道路 → 沿道路分割和吸附;居委会辖区 → 街面单元检查</source>
            <translation>The role decides what the layer is used for: buildings → the building-cut check and households from buildings; villager groups → the villager-group check; roads → split by road and snapping; residents' committees → the street-front unit check</translation>
        </message>
        <message>
            <source>角色</source>
            <translation>Role</translation>
        </message>
        <message>
            <source>文件中的图层</source>
            <translation>Layer of the file</translation>
        </message>
        <message>
            <source>CAD 图层</source>
            <translation>CAD layers</translation>
        </message>
        <message>
            <source>自动</source>
            <translation>Automatic</translation>
        </message>
        <message>
            <source>属性表中的中文是乱码时,换一种编码(国内的 Shapefile 多为 GBK/GB18030)</source>
            <translation>If the Chinese text in the table is garbled, choose another encoding (Chinese Shapefiles are mostly GBK/GB18030)</translation>
        </message>
        <message>
            <source>坐标系</source>
            <translation>CRS</translation>
        </message>
        <message>
            <source>字段对应(哪一列是什么)</source>
            <translation>Fields (which column holds what)</translation>
        </message>
        <message>
            <source>几何</source>
            <translation>Geometry</translation>
        </message>
        <message>
            <source>嵌入项目文件(随项目一起拷贝到现场电脑)</source>
            <translation>Embed in the project file (travels with the project to the site laptop)</translation>
        </message>
        <message>
            <source>小影像可以存进项目文件,项目拷到哪里都能显示;大影像只记下文件位置</source>
            <translation>Small images can be stored in the project file and show wherever the project goes; large images are linked by their location</translation>
        </message>
        <message>
            <source>配准这张图片…</source>
            <translation>Georeference this image…</translation>
        </message>
        <message>
            <source>纠正 GCJ-02 偏移(推荐)</source>
            <translation>Correct the GCJ-02 offset (recommended)</translation>
        </message>
        <message>
            <source>天地图密钥(保存在本机设置中,不写入项目)</source>
            <translation>Tianditu key (kept in this computer's settings, never in the project)</translation>
        </message>
        <message>
            <source>天地图密钥</source>
            <translation>Tianditu key</translation>
        </message>
        <message>
            <source>天地图的在线影像和地图需要免费密钥:在天地图网站(tianditu.gov.cn)注册,在“控制台 → 应用管理”创建应用(类型选“浏览器端”),把密钥粘贴到这里。密钥只保存在这台电脑的设置中,不会写进项目文件。</source>
            <translation>Tianditu's online imagery and maps need a free key: register on tianditu.gov.cn, create an application under “Console → Application management” (type “Browser”), and paste the key here. The key is kept only in this computer's settings, never in the project file.</translation>
        </message>
        <message>
            <source>选择要添加的文件</source>
            <translation>Choose a file to add</translation>
        </message>
        <message>
            <source>正在读取…</source>
            <translation>Reading…</translation>
        </message>
        <message>
            <source>层数</source>
            <translation>Floors</translation>
        </message>
        <message>
            <source>道路等级</source>
            <translation>Road class</translation>
        </message>
        <message>
            <source>所属管理单元编码</source>
            <translation>Unit code</translation>
        </message>
        <message>
            <source>正在导入…</source>
            <translation>Importing…</translation>
        </message>
        <message>
            <source>已添加</source>
            <translation>Added</translation>
        </message>
        <message>
            <source>完成</source>
            <translation>Done</translation>
        </message>
        <message>
            <source>或天地图:</source>
            <translation>Or Tianditu:</translation>
        </message>
        <message>
            <source>请至少勾选一个 CAD 图层</source>
            <translation>Tick at least one CAD layer</translation>
        </message>
        <message>
            <source>这张图片没有地理参考(没有 GeoTIFF 坐标,也没有 .pgw/.jgw/.tfw/.wld 坐标文件)。纸质地图的照片或扫描件请先配准:在图上和地图上各点几个相同的位置。</source>
            <translation>This image has no georeference (no GeoTIFF coordinates and no .pgw/.jgw/.tfw/.wld world file). A photo or scan of a paper map must be georeferenced first: click a few places both in the image and on the map.</translation>
        </message>
        <message>
            <source>请先选择坐标系</source>
            <translation>Choose a CRS first</translation>
        </message>
        <message>
            <source>地理参考:</source>
            <translation>Georeference: </translation>
        </message>
        <message>
            <source>服务:</source>
            <translation>Service: </translation>
        </message>
        <message>
            <source>瓦片坐标系:</source>
            <translation>Tile CRS: </translation>
        </message>
        <message>
            <source>这是高德/腾讯的瓦片,使用 GCJ-02(火星坐标),在上海约偏移 500 米。勾选“纠正偏移”后按 GCJ-02 的反算把瓦片移回真实位置(街道尺度误差在厘米级)。</source>
            <translation>These are Gaode/Tencent tiles in GCJ-02, offset by about 500 m in Shanghai. With the correction ticked, the tiles are moved back to their true position by inverting GCJ-02 (centimetres at street scale).</translation>
        </message>
        <message>
            <source>地址中的天地图密钥已保存到本机设置,不写入项目</source>
            <translation>The Tianditu key in the URL was saved to this computer's settings, not to the project</translation>
        </message>
        <message>
            <source>天地图密钥已设置(保存在本机设置中)</source>
            <translation>Tianditu key set (kept in this computer's settings)</translation>
        </message>
        <message>
            <source>天地图需要免费密钥,选择天地图后可在左侧填写(也可在 帮助 → 欢迎页 中填写)</source>
            <translation>Tianditu needs a free key: after choosing Tianditu, enter it on the left (or in Help → Welcome page)</translation>
        </message>
        <message>
            <source>没有导入任何内容:</source>
            <translation>Nothing was imported: </translation>
        </message>
        <message>
            <source>已添加图层“{name}”。</source>
            <translation>Added layer “{name}”.</translation>
        </message>
        <message>
            <source>所有可添加的文件</source>
            <translation>All files that can be added</translation>
        </message>
        <message>
            <source>矢量文件</source>
            <translation>Vector files</translation>
        </message>
        <message>
            <source>离线瓦片</source>
            <translation>Offline tiles</translation>
        </message>
        <message>
            <source>坐标系来自文件(.prj)</source>
            <translation>CRS from the file (.prj)</translation>
        </message>
        <message>
            <source>大小:{w} × {h} 像素,{bands} 个波段</source>
            <translation>Size: {w} × {h} pixels, {bands} bands</translation>
        </message>
        <message>
            <source>GeoTIFF 内置</source>
            <translation>in the GeoTIFF</translation>
        </message>
        <message>
            <source>缩放级别:{a}–{b}</source>
            <translation>Zoom levels: {a}–{b}</translation>
        </message>
        <message>
            <source>离线文件:</source>
            <translation>Offline file: </translation>
        </message>
        <message>
            <source>地址:</source>
            <translation>URL: </translation>
        </message>
        <message>
            <source>手动选择</source>
            <translation>chosen by hand</translation>
        </message>
        <message>
            <source>来自 .cpg 文件</source>
            <translation>from the .cpg file</translation>
        </message>
        <message>
            <source>来自 DBF 文件头</source>
            <translation>from the DBF header</translation>
        </message>
        <message>
            <source>无 .cpg,按内容判断</source>
            <translation>no .cpg, judged from the content</translation>
        </message>
        <message>
            <source>文件自带:</source>
            <translation>From the file: </translation>
        </message>
        <message>
            <source>已确认</source>
            <translation>Confirmed</translation>
        </message>
        <message>
            <source>坐标文件 </source>
            <translation>world file </translation>
        </message>
        <message>
            <source>推测:</source>
            <translation>Guess: </translation>
        </message>
        <message>
            <source>文件没有坐标系,以上是按坐标推测的,最可能的在最前;请对照地图预览确认</source>
            <translation>The file has no CRS: the list is guessed from the coordinates, most likely first; check against the map preview</translation>
        </message>
        <message>
            <source>文件没有坐标系,也无法推测;请从列表中选择</source>
            <translation>The file has no CRS and none can be guessed: choose one from the list</translation>
        </message>
        <message>
            <source>作为“{role}”可用:{kept}</source>
            <translation>Usable as “{role}”: {kept}</translation>
        </message>
        <message>
            <source>共 {n} 个要素;</source>
            <translation>{n} features; </translation>
        </message>
        <message>
            <source>正在为影像建立金字塔(只需一次)…</source>
            <translation>Building the image's pyramid (once only)…</translation>
        </message>
        <message>
            <source>{n} 个瓦片加载失败({why})</source>
            <translation>{n} tiles failed to load ({why})</translation>
        </message>
        <message>
            <source>添加矢量文件(Shapefile、CAD 图纸…)、影像、在线瓦片或离线瓦片作为底图</source>
            <translation>Add a vector file (Shapefile, CAD drawing…), imagery, online tiles or offline tiles as a base map</translation>
        </message>
        <message>
            <source>把城运中心纸质地图的照片或扫描件对到地图上,再照着描绘微网格</source>
            <translation>Fit a photo or scan of the operations centre's paper map onto the map, then trace micro-grids over it</translation>
        </message>
        <message>
            <source>添加图层…</source>
            <translation>Add layer…</translation>
        </message>
        <message>
            <source>配准纸质地图…</source>
            <translation>Georeference a paper map…</translation>
        </message>
        <message>
            <source>从项目中删除选中的底图图层(原始文件不受影响)</source>
            <translation>Remove the selected base layer from the project (the original file is not touched)</translation>
        </message>
        <message>
            <source>删除图层</source>
            <translation>Remove layer</translation>
        </message>
        <message>
            <source>从项目中删除图层“{name}”?原始文件不受影响。</source>
            <translation>Remove the layer “{name}” from the project? The original file is not touched.</translation>
        </message>
        <message>
            <source>下一步:添加底图</source>
            <translation>Next: add base maps</translation>
        </message>
        <message>
            <source>项目已创建,但还没有本街道的底图:没有楼栋、道路和影像,画微网格时看不到位置,“不能跨楼栋”检查和“沿道路分割”也用不了。

请添加测绘院或城运中心给的楼栋、道路文件(Shapefile、CAD 图纸等),再加上影像(正射影像 GeoTIFF 或天地图影像);只有纸质地图时,可以拍照或扫描后配准。</source>
            <translation>The project is created, but it has no map of the street yet: without buildings, roads and imagery you cannot see where to draw, and the building-cut check and split-by-road cannot work.

Add the buildings and roads you got from the surveying bureau or the operations centre (Shapefile, CAD drawing…), then imagery (an orthophoto GeoTIFF or Tianditu imagery). If all you have is the paper map, photograph or scan it and georeference it.</translation>
        </message>
        <message>
            <source>天地图影像</source>
            <translation>Tianditu imagery</translation>
        </message>
        <message>
            <source>在线影像,需要天地图密钥(免费)</source>
            <translation>Online imagery; needs a (free) Tianditu key</translation>
        </message>
        <message>
            <source>以后再说</source>
            <translation>Later</translation>
        </message>
        <message>
            <source>文字编码</source>
            <translation>Text encoding</translation>
        </message>
        <message>
            <source>检测到:{encoding}({how})</source>
            <translation>Detected: {encoding} ({how})</translation>
        </message>
        <message>
            <source>已取消,项目没有改动</source>
            <translation>Cancelled; the project is unchanged</translation>
        </message>
        <message>
            <source>正在写入项目… {pct}%(可以继续查看地图)</source>
            <translation>Writing into the project… {pct}% (you can keep looking at the map)</translation>
        </message>
        <message>
            <source>正在取消…</source>
            <translation>Cancelling…</translation>
        </message>
        <message>
            <source>保存到图层…</source>
            <translation>Save to the layer…</translation>
        </message>
        <message>
            <source>删除…</source>
            <translation>Remove…</translation>
        </message>
        <message>
            <source>只有在本软件中配准的图片才能调整(保存了控制点)</source>
            <translation>Only images georeferenced in mapedit can be adjusted (their control points are stored)</translation>
        </message>
        <message>
            <source>已更新图层“{name}”的配准</source>
            <translation>The georeference of the layer “{name}” is updated</translation>
        </message>
        <message>
            <source>用现在的 {n} 个控制点替换图层“{name}”原来的配准?
原来的控制点和变换将被替换,此操作不能撤销。</source>
            <translation>Replace the georeference of the layer “{name}” with the current {n} control points?
The previous control points and transform are replaced; this cannot be undone.</translation>
        </message>
        <message>
            <source>调整配准</source>
            <translation>Adjust georeference</translation>
        </message>
        <message>
            <source>调整配准…</source>
            <translation>Adjust georeference…</translation>
        </message>
        <message>
            <source>这是图层“{name}”保存时的控制点。检查残差:某点特别大时多半是点错了,选中它重新指定或删除;也可以添加点。满意后点“保存到图层…”替换原来的配准。</source>
            <translation>These are the control points the layer “{name}” was saved with. Check the residuals: a point with a much larger one was probably mis-clicked; select it to place it again or delete it. You can also add points. When satisfied, click “Save to the layer…” to replace the previous georeference.</translation>
        </message>
        <message>
            <source>重新打开配准窗口,调整选中影像的控制点</source>
            <translation>Reopen the georeferencing window to adjust the control points of the selected image</translation>
        </message>
        <message>
            <source>图纸已导出,但图上的影像不完整(部分在线瓦片没有取到,图上已注明):{what}{more}
联网后再导出一次即可补全。</source>
            <translation>The sheets are exported, but the imagery on them is incomplete (some online tiles did not arrive; the sheets say so): {what}{more}
Export again when online to complete it.</translation>
        </message>
        <message>
            <source>;另有 {n} 处</source>
            <translation>; {n} more</translation>
        </message>
    </context>
</TS>
