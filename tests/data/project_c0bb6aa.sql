PRAGMA application_id=1196444487;
PRAGMA user_version=10300;
BEGIN TRANSACTION;
CREATE TABLE "base_buildings" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom MULTIPOLYGON, "households" INTEGER, "floors" INTEGER, "name" TEXT, attrs TEXT);
INSERT INTO "base_buildings" VALUES(1,X'47500003C511000000000000A8841E4100000000F8841E4100000000774B4A4100000000814B4A410106000000010000000103000000010000000500000000000000F8841E4100000000774B4A4100000000F8841E4100000000814B4A4100000000A8841E4100000000814B4A4100000000A8841E4100000000774B4A4100000000F8841E4100000000774B4A41',24,6,'1号楼',NULL);
INSERT INTO "base_buildings" VALUES(2,X'47500003C511000000000000A8841E4100000000F8841E4100000000864B4A4100000000904B4A410106000000010000000103000000010000000500000000000000F8841E4100000000864B4A4100000000F8841E4100000000904B4A4100000000A8841E4100000000904B4A4100000000A8841E4100000000864B4A4100000000F8841E4100000000864B4A41',25,6,'2号楼',NULL);
INSERT INTO "base_buildings" VALUES(3,X'47500003C511000000000000A8841E4100000000F8841E4100000000954B4A41000000009F4B4A410106000000010000000103000000010000000500000000000000F8841E4100000000954B4A4100000000F8841E41000000009F4B4A4100000000A8841E41000000009F4B4A4100000000A8841E4100000000954B4A4100000000F8841E4100000000954B4A41',26,6,'3号楼',NULL);
INSERT INTO "base_buildings" VALUES(4,X'47500003C511000000000000A8841E4100000000F8841E4100000000A44B4A4100000000AE4B4A410106000000010000000103000000010000000500000000000000F8841E4100000000A44B4A4100000000F8841E4100000000AE4B4A4100000000A8841E4100000000AE4B4A4100000000A8841E4100000000A44B4A4100000000F8841E4100000000A44B4A41',27,6,'4号楼',NULL);
INSERT INTO "base_buildings" VALUES(5,X'47500003C511000000000000A8841E4100000000F8841E4100000000B34B4A4100000000BD4B4A410106000000010000000103000000010000000500000000000000F8841E4100000000B34B4A4100000000F8841E4100000000BD4B4A4100000000A8841E4100000000BD4B4A4100000000A8841E4100000000B34B4A4100000000F8841E4100000000B34B4A41',28,6,'5号楼',NULL);
INSERT INTO "base_buildings" VALUES(6,X'47500003C51100000000000020851E410000000070851E4100000000774B4A4100000000814B4A41010600000001000000010300000001000000050000000000000070851E4100000000774B4A410000000070851E4100000000814B4A410000000020851E4100000000814B4A410000000020851E4100000000774B4A410000000070851E4100000000774B4A41',29,6,'6号楼',NULL);
INSERT INTO "base_buildings" VALUES(7,X'47500003C51100000000000020851E410000000070851E4100000000864B4A4100000000904B4A41010600000001000000010300000001000000050000000000000070851E4100000000864B4A410000000070851E4100000000904B4A410000000020851E4100000000904B4A410000000020851E4100000000864B4A410000000070851E4100000000864B4A41',30,6,'7号楼',NULL);
INSERT INTO "base_buildings" VALUES(8,X'47500003C51100000000000020851E410000000070851E4100000000954B4A41000000009F4B4A41010600000001000000010300000001000000050000000000000070851E4100000000954B4A410000000070851E41000000009F4B4A410000000020851E41000000009F4B4A410000000020851E4100000000954B4A410000000070851E4100000000954B4A41',31,6,'8号楼',NULL);
INSERT INTO "base_buildings" VALUES(9,X'47500003C51100000000000020851E410000000070851E4100000000A44B4A4100000000AE4B4A41010600000001000000010300000001000000050000000000000070851E4100000000A44B4A410000000070851E4100000000AE4B4A410000000020851E4100000000AE4B4A410000000020851E4100000000A44B4A410000000070851E4100000000A44B4A41',32,6,'9号楼',NULL);
INSERT INTO "base_buildings" VALUES(10,X'47500003C51100000000000020851E410000000070851E4100000000B34B4A4100000000BD4B4A41010600000001000000010300000001000000050000000000000070851E4100000000B34B4A410000000070851E4100000000BD4B4A410000000020851E4100000000BD4B4A410000000020851E4100000000B34B4A410000000070851E4100000000B34B4A41',33,6,'10号楼',NULL);
INSERT INTO "base_buildings" VALUES(11,X'47500003C51100000000000098851E4100000000E8851E4100000000774B4A4100000000814B4A410106000000010000000103000000010000000500000000000000E8851E4100000000774B4A4100000000E8851E4100000000814B4A410000000098851E4100000000814B4A410000000098851E4100000000774B4A4100000000E8851E4100000000774B4A41',34,6,'11号楼',NULL);
INSERT INTO "base_buildings" VALUES(12,X'47500003C51100000000000098851E4100000000E8851E4100000000864B4A4100000000904B4A410106000000010000000103000000010000000500000000000000E8851E4100000000864B4A4100000000E8851E4100000000904B4A410000000098851E4100000000904B4A410000000098851E4100000000864B4A4100000000E8851E4100000000864B4A41',35,6,'12号楼',NULL);
INSERT INTO "base_buildings" VALUES(13,X'47500003C51100000000000098851E4100000000E8851E4100000000954B4A41000000009F4B4A410106000000010000000103000000010000000500000000000000E8851E4100000000954B4A4100000000E8851E41000000009F4B4A410000000098851E41000000009F4B4A410000000098851E4100000000954B4A4100000000E8851E4100000000954B4A41',36,6,'13号楼',NULL);
INSERT INTO "base_buildings" VALUES(14,X'47500003C51100000000000098851E4100000000E8851E4100000000A44B4A4100000000AE4B4A410106000000010000000103000000010000000500000000000000E8851E4100000000A44B4A4100000000E8851E4100000000AE4B4A410000000098851E4100000000AE4B4A410000000098851E4100000000A44B4A4100000000E8851E4100000000A44B4A41',37,6,'14号楼',NULL);
INSERT INTO "base_buildings" VALUES(15,X'47500003C51100000000000098851E4100000000E8851E4100000000B34B4A4100000000BD4B4A410106000000010000000103000000010000000500000000000000E8851E4100000000B34B4A4100000000E8851E4100000000BD4B4A410000000098851E4100000000BD4B4A410000000098851E4100000000B34B4A4100000000E8851E4100000000B34B4A41',38,6,'15号楼',NULL);
INSERT INTO "base_buildings" VALUES(16,X'47500003C51100000000000010861E410000000060861E4100000000774B4A4100000000814B4A41010600000001000000010300000001000000050000000000000060861E4100000000774B4A410000000060861E4100000000814B4A410000000010861E4100000000814B4A410000000010861E4100000000774B4A410000000060861E4100000000774B4A41',39,6,'16号楼',NULL);
INSERT INTO "base_buildings" VALUES(17,X'47500003C51100000000000010861E410000000060861E4100000000864B4A4100000000904B4A41010600000001000000010300000001000000050000000000000060861E4100000000864B4A410000000060861E4100000000904B4A410000000010861E4100000000904B4A410000000010861E4100000000864B4A410000000060861E4100000000864B4A41',40,6,'17号楼',NULL);
INSERT INTO "base_buildings" VALUES(18,X'47500003C51100000000000010861E410000000060861E4100000000954B4A41000000009F4B4A41010600000001000000010300000001000000050000000000000060861E4100000000954B4A410000000060861E41000000009F4B4A410000000010861E41000000009F4B4A410000000010861E4100000000954B4A410000000060861E4100000000954B4A41',41,6,'18号楼',NULL);
INSERT INTO "base_buildings" VALUES(19,X'47500003C51100000000000010861E410000000060861E4100000000A44B4A4100000000AE4B4A41010600000001000000010300000001000000050000000000000060861E4100000000A44B4A410000000060861E4100000000AE4B4A410000000010861E4100000000AE4B4A410000000010861E4100000000A44B4A410000000060861E4100000000A44B4A41',42,6,'19号楼',NULL);
INSERT INTO "base_buildings" VALUES(20,X'47500003C51100000000000010861E410000000060861E4100000000B34B4A4100000000BD4B4A41010600000001000000010300000001000000050000000000000060861E4100000000B34B4A410000000060861E4100000000BD4B4A410000000010861E4100000000BD4B4A410000000010861E4100000000B34B4A410000000060861E4100000000B34B4A41',43,6,'20号楼',NULL);
INSERT INTO "base_buildings" VALUES(21,X'47500003C51100000000000088861E4100000000D8861E4100000000774B4A4100000000814B4A410106000000010000000103000000010000000500000000000000D8861E4100000000774B4A4100000000D8861E4100000000814B4A410000000088861E4100000000814B4A410000000088861E4100000000774B4A4100000000D8861E4100000000774B4A41',44,6,'21号楼',NULL);
INSERT INTO "base_buildings" VALUES(22,X'47500003C51100000000000088861E4100000000D8861E4100000000864B4A4100000000904B4A410106000000010000000103000000010000000500000000000000D8861E4100000000864B4A4100000000D8861E4100000000904B4A410000000088861E4100000000904B4A410000000088861E4100000000864B4A4100000000D8861E4100000000864B4A41',45,6,'22号楼',NULL);
INSERT INTO "base_buildings" VALUES(23,X'47500003C51100000000000088861E4100000000D8861E4100000000954B4A41000000009F4B4A410106000000010000000103000000010000000500000000000000D8861E4100000000954B4A4100000000D8861E41000000009F4B4A410000000088861E41000000009F4B4A410000000088861E4100000000954B4A4100000000D8861E4100000000954B4A41',46,6,'23号楼',NULL);
INSERT INTO "base_buildings" VALUES(24,X'47500003C51100000000000088861E4100000000D8861E4100000000A44B4A4100000000AE4B4A410106000000010000000103000000010000000500000000000000D8861E4100000000A44B4A4100000000D8861E4100000000AE4B4A410000000088861E4100000000AE4B4A410000000088861E4100000000A44B4A4100000000D8861E4100000000A44B4A41',47,6,'24号楼',NULL);
INSERT INTO "base_buildings" VALUES(25,X'47500003C51100000000000088861E4100000000D8861E4100000000B34B4A4100000000BD4B4A410106000000010000000103000000010000000500000000000000D8861E4100000000B34B4A4100000000D8861E4100000000BD4B4A410000000088861E4100000000BD4B4A410000000088861E4100000000B34B4A4100000000D8861E4100000000B34B4A41',48,6,'25号楼',NULL);
CREATE TABLE "base_committees" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom MULTIPOLYGON, "name" TEXT, attrs TEXT);
CREATE TABLE "base_pois" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom POINT, "kind" TEXT, "name" TEXT, attrs TEXT);
INSERT INTO "base_pois" VALUES(1,X'47500001C511000001010000000000000048851E4100000000914A4A41','学校','夏阳小学',NULL);
INSERT INTO "base_pois" VALUES(2,X'47500001C5110000010100000000000000E08D1E4100000000D64B4A41','医院','青浦医院',NULL);
CREATE TABLE "base_roads" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom MULTILINESTRING, "class" TEXT, "name" TEXT, attrs TEXT);
INSERT INTO "base_roads" VALUES(1,X'47500003C51100000000000080841E410000000020941E4100000000724B4A4100000000724B4A410105000000010000000102000000020000000000000080841E4100000000724B4A410000000020941E4100000000724B4A41','主干道','盈港东路',NULL);
INSERT INTO "base_roads" VALUES(2,X'47500003C511000000000000508C1E4100000000508C1E4100000000784A4A41000000406C4C4A4101050000000100000001020000000200000000000000508C1E4100000000784A4A4100000000508C1E41000000406C4C4A41','支路',NULL,NULL);
CREATE TABLE "base_villager_groups" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom MULTIPOLYGON, "name" TEXT, "unit_code" TEXT, attrs TEXT);
INSERT INTO "base_villager_groups" VALUES(1,X'47500003C511000000000000508C1E410000000020941E4100000000724B4A41000000006C4C4A41010600000001000000010300000001000000050000000000000020941E4100000000724B4A410000000020941E41000000006C4C4A4100000000508C1E41000000006C4C4A4100000000508C1E4100000000724B4A410000000020941E4100000000724B4A41','一队','310118001002',NULL);
CREATE TABLE "base_water" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom MULTIPOLYGON, "name" TEXT, attrs TEXT);
INSERT INTO "base_water" VALUES(1,X'47500003C51100000000000090921E410000000008931E4100000000784A4A41000000006C4C4A41010600000001000000010300000001000000050000000000000008931E4100000000784A4A410000000008931E41000000006C4C4A410000000090921E41000000006C4C4A410000000090921E4100000000784A4A410000000008931E4100000000784A4A41','油墩港',NULL);
CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
INSERT INTO "gpkg_contents" VALUES('street','features','street','街道 street','2026-12-01T06:21:22.502Z',500000.0,3446000.0,501000.0,3447000.0,4549);
INSERT INTO "gpkg_contents" VALUES('responsibility_grids','features','responsibility_grids','责任网格 responsibility grids','2026-12-01T06:21:22.502Z',500000.0,3446000.0,501000.0,3447000.0,4549);
INSERT INTO "gpkg_contents" VALUES('units','features','units','管理单元 management units','2026-12-01T06:21:22.502Z',500000.0,3446000.0,501000.0,3447000.0,4549);
INSERT INTO "gpkg_contents" VALUES('micro_grids','features','micro_grids','微网格 micro-grids','2026-12-01T06:21:22.512Z',500000.0,3446000.0,501000.0,3447000.0,4549);
INSERT INTO "gpkg_contents" VALUES('base_roads','features','base_roads','底图 base layer: 道路','2026-12-01T06:21:22.502Z',500000.0,3446000.0,501000.0,3447000.5,4549);
INSERT INTO "gpkg_contents" VALUES('base_water','features','base_water','底图 base layer: 河流水系','2026-12-01T06:21:22.502Z',500900.0,3446000.0,500930.0,3447000.0,4549);
INSERT INTO "gpkg_contents" VALUES('base_buildings','features','base_buildings','底图 base layer: 建筑(楼栋)','2026-12-01T06:21:22.502Z',500010.0,3446510.0,500150.0,3446650.0,4549);
INSERT INTO "gpkg_contents" VALUES('base_villager_groups','features','base_villager_groups','底图 base layer: 村民小组','2026-12-01T06:21:22.502Z',500500.0,3446500.0,501000.0,3447000.0,4549);
INSERT INTO "gpkg_contents" VALUES('base_committees','features','base_committees','底图 base layer: 居委会辖区','2026-12-01T06:21:22.502Z',NULL,NULL,NULL,NULL,4549);
INSERT INTO "gpkg_contents" VALUES('base_pois','features','base_pois','底图 base layer: 兴趣点','2026-12-01T06:21:22.502Z',500050.0,3446050.0,500600.0,3446700.0,4549);
INSERT INTO "gpkg_contents" VALUES('mapedit_meta','attributes','mapedit_meta','mapedit: file format and origin','2026-12-01T06:21:22.502Z',NULL,NULL,NULL,NULL,NULL);
INSERT INTO "gpkg_contents" VALUES('mapedit_settings','attributes','mapedit_settings','mapedit: tolerances and bands (JSON values)','2026-12-01T06:21:22.502Z',NULL,NULL,NULL,NULL,NULL);
INSERT INTO "gpkg_contents" VALUES('mapedit_catalogue','attributes','mapedit_catalogue','mapedit: the category catalogue in use (JSON)','2026-12-01T06:21:22.502Z',NULL,NULL,NULL,NULL,NULL);
INSERT INTO "gpkg_contents" VALUES('mapedit_edit_log','attributes','mapedit_edit_log','mapedit: append-only edit log','2026-12-01T06:21:22.502Z',NULL,NULL,NULL,NULL,NULL);
INSERT INTO "gpkg_contents" VALUES('mapedit_accepted','attributes','mapedit_accepted','mapedit: checker findings accepted as exceptions','2026-12-01T06:21:22.502Z',NULL,NULL,NULL,NULL,NULL);
CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), CONSTRAINT uk_gc_table_name UNIQUE (table_name), CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
INSERT INTO "gpkg_geometry_columns" VALUES('street','geom','MULTIPOLYGON',4549,0,0);
INSERT INTO "gpkg_geometry_columns" VALUES('responsibility_grids','geom','MULTIPOLYGON',4549,0,0);
INSERT INTO "gpkg_geometry_columns" VALUES('units','geom','MULTIPOLYGON',4549,0,0);
INSERT INTO "gpkg_geometry_columns" VALUES('micro_grids','geom','MULTIPOLYGON',4549,0,0);
INSERT INTO "gpkg_geometry_columns" VALUES('base_roads','geom','MULTILINESTRING',4549,0,0);
INSERT INTO "gpkg_geometry_columns" VALUES('base_water','geom','MULTIPOLYGON',4549,0,0);
INSERT INTO "gpkg_geometry_columns" VALUES('base_buildings','geom','MULTIPOLYGON',4549,0,0);
INSERT INTO "gpkg_geometry_columns" VALUES('base_villager_groups','geom','MULTIPOLYGON',4549,0,0);
INSERT INTO "gpkg_geometry_columns" VALUES('base_committees','geom','MULTIPOLYGON',4549,0,0);
INSERT INTO "gpkg_geometry_columns" VALUES('base_pois','geom','POINT',4549,0,0);
CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
INSERT INTO "gpkg_spatial_ref_sys" VALUES('Undefined cartesian SRS',-1,'NONE',-1,'undefined','undefined cartesian coordinate reference system');
INSERT INTO "gpkg_spatial_ref_sys" VALUES('Undefined geographic SRS',0,'NONE',0,'undefined','undefined geographic coordinate reference system');
INSERT INTO "gpkg_spatial_ref_sys" VALUES('WGS 84 geodetic',4326,'EPSG',4326,'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]','longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
INSERT INTO "gpkg_spatial_ref_sys" VALUES('CGCS2000 / 3-degree Gauss-Kruger CM 120E',4549,'EPSG',4549,'PROJCS["CGCS2000 / 3-degree Gauss-Kruger CM 120E",GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4490"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",120],PARAMETER["scale_factor",1],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AUTHORITY["EPSG","4549"]]','CGCS2000 / 3-degree Gauss-Kruger CM 120E');
CREATE TABLE "mapedit_accepted" (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, key TEXT UNIQUE NOT NULL, rule TEXT, reason TEXT, who TEXT, at TEXT);
INSERT INTO "mapedit_accepted" VALUES(1,'gap|310118001003','gap','河道,无需覆盖','李四','2026-12-01T06:21:22+00:00');
CREATE TABLE "mapedit_catalogue" (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, key TEXT UNIQUE NOT NULL, value TEXT);
INSERT INTO "mapedit_catalogue" VALUES(1,'catalogue','{
 "format": "mapedit-catalogue",
 "version": 1,
 "source": "夏阳街道合理设置社区网格工作方案(青夏街〔2022〕41号), seed 000",
 "unit_types": {
  "小区": {
   "en": "Residential compound",
   "prefix": "社区",
   "base": "小区"
  },
  "农村": {
   "en": "Village",
   "prefix": "农村",
   "base": "村组"
  },
  "街面": {
   "en": "Street front",
   "prefix": "街面",
   "base": null
  },
  "农场": {
   "en": "Farm",
   "prefix": "农村",
   "base": "村组"
  }
 },
 "kinds": [
  "企业",
  "楼宇",
  "商业体",
  "公共机构",
  "学校",
  "风景区",
  "文体",
  "医疗",
  "养老",
  "工地",
  "公共区域",
  "其它"
 ],
 "household_band": {
  "min": 300,
  "max": 500
 },
 "categories": [
  {
   "name": "小区",
   "group": "小区",
   "kind": null,
   "unit_types": [
    "小区"
   ],
   "departments": [
    "自治办",
    "城建中心",
    "各居"
   ],
   "household_band": true,
   "principle": "在居委会管辖小区红线范围内,以住宅小区或若干楼组为基本单元划分微网格,每个微网格覆盖300至500户,不能出现跨小区、跨楼栋。",
   "en": "Residential compound"
  },
  {
   "name": "村组",
   "group": "村组",
   "kind": null,
   "unit_types": [
    "农村",
    "农场"
   ],
   "departments": [
    "自治办",
    "社发中心",
    "各村"
   ],
   "household_band": true,
   "principle": "在村行政区域范围内,以村民小组为基本单元划分微网格,每个微网格覆盖300至500户,不能出现跨村民小组、跨村域。",
   "en": "Villager group"
  },
  {
   "name": "社区-企业",
   "group": "社区",
   "kind": "企业",
   "unit_types": [
    "小区"
   ],
   "departments": [
    "营商办"
   ],
   "household_band": false,
   "principle": "有独立物理空间单元的生产、加工、运输、商贸等企业以及企业园区",
   "examples": "XX公司、XX厂、XX园区、农贸市场、批发市场",
   "en": "Community – enterprise"
  },
  {
   "name": "社区-楼宇",
   "group": "社区",
   "kind": "楼宇",
   "unit_types": [
    "小区"
   ],
   "departments": [
    "营商办",
    "文体中心"
   ],
   "household_band": false,
   "principle": "商务办公、商务服务楼宇",
   "examples": "XX大厦、XX大楼、XX酒店",
   "en": "Community – office building"
  },
  {
   "name": "社区-商业体",
   "group": "社区",
   "kind": "商业体",
   "unit_types": [
    "小区"
   ],
   "departments": [
    "营商办",
    "文体中心",
    "街面工作站"
   ],
   "household_band": false,
   "principle": "聚合商业、办公、住宿、展览、餐饮、会议、文娱等功能为一体的综合性建筑群;独立存在的菜场",
   "examples": "XX沿街商铺、XX商场/广场、XX购物中心、XX菜场",
   "en": "Community – commercial complex"
  },
  {
   "name": "社区-公共机构",
   "group": "社区",
   "kind": "公共机构",
   "unit_types": [
    "小区"
   ],
   "departments": [
    "党政办"
   ],
   "household_band": false,
   "principle": "政府机关及其派出机构、事业单位、公共服务窗口单位",
   "examples": "人民政府、办事处、局、院、所、中心",
   "en": "Community – public institution"
  },
  {
   "name": "社区-学校",
   "group": "社区",
   "kind": "学校",
   "unit_types": [
    "小区"
   ],
   "departments": [
    "服务办"
   ],
   "household_band": false,
   "principle": "学校、幼托机构",
   "examples": "XX幼儿园、XX小学、XX中学",
   "en": "Community – school"
  },
  {
   "name": "社区-风景区",
   "group": "社区",
   "kind": "风景区",
   "unit_types": [
    "小区"
   ],
   "departments": [
    "文体中心"
   ],
   "household_band": false,
   "principle": "公园、游乐园、景区等",
   "examples": "XX公园、XX游乐园",
   "en": "Community – scenic area"
  },
  {
   "name": "社区-文体",
   "group": "社区",
   "kind": "文体",
   "unit_types": [
    "小区"
   ],
   "departments": [
    "文体中心"
   ],
   "household_band": false,
   "principle": "社区活动中心、体育健身场馆、文化艺术场馆等",
   "examples": "博物馆、群文艺术馆、展览馆、剧院、体育场馆、社区文体活动中心",
   "en": "Community – culture & sports"
  },
  {
   "name": "社区-医疗",
   "group": "社区",
   "kind": "医疗",
   "unit_types": [
    "小区"
   ],
   "departments": [
    "服务办"
   ],
   "household_band": false,
   "principle": "各类医疗卫生机构",
   "examples": "XX医院、XX门诊部、XX社区卫生服务中心",
   "en": "Community – medical"
  },
  {
   "name": "社区-养老",
   "group": "社区",
   "kind": "养老",
   "unit_types": [
    "小区"
   ],
   "departments": [
    "服务办"
   ],
   "household_band": false,
   "principle": "各类老龄服务机构",
   "examples": "养老院、老年护理院",
   "en": "Community – elderly care"
  },
  {
   "name": "社区-工地",
   "group": "社区",
   "kind": "工地",
   "unit_types": [
    "小区"
   ],
   "departments": [
    "管理办"
   ],
   "household_band": false,
   "principle": "施工工地(建设周期一年以上,具一定规模的工地)",
   "examples": "XX工地、XX项目",
   "en": "Community – construction site"
  },
  {
   "name": "社区-公共区域",
   "group": "社区",
   "kind": "公共区域",
   "unit_types": [
    "小区"
   ],
   "departments": [
    "社发中心",
    "管理办"
   ],
   "household_band": false,
   "principle": "河道、绿地等无围墙不封闭区域",
   "examples": "XX公共区域",
   "en": "Community – public area"
  },
  {
   "name": "社区-其它",
   "group": "社区",
   "kind": "其它",
   "unit_types": [
    "小区"
   ],
   "departments": [
    "各居"
   ],
   "household_band": false,
   "principle": "上述类型都不符合或无法判断的",
   "examples": "其他",
   "en": "Community – other"
  },
  {
   "name": "农村-企业",
   "group": "农村",
   "kind": "企业",
   "unit_types": [
    "农村",
    "农场"
   ],
   "departments": [
    "营商办"
   ],
   "household_band": false,
   "principle": "有独立物理空间单元的生产、加工、运输、商贸等企业以及企业园区",
   "examples": "XX公司、XX厂、XX园区、农贸市场、批发市场",
   "en": "Rural – enterprise"
  },
  {
   "name": "农村-楼宇",
   "group": "农村",
   "kind": "楼宇",
   "unit_types": [
    "农村",
    "农场"
   ],
   "departments": [
    "营商办",
    "文体中心"
   ],
   "household_band": false,
   "principle": "商务办公、商务服务楼宇",
   "examples": "XX大厦、XX大楼、XX酒店",
   "en": "Rural – office building"
  },
  {
   "name": "农村-商业体",
   "group": "农村",
   "kind": "商业体",
   "unit_types": [
    "农村",
    "农场"
   ],
   "departments": [
    "营商办",
    "文体中心",
    "街面工作站"
   ],
   "household_band": false,
   "principle": "聚合商业、办公、住宿、展览、餐饮、会议、文娱等功能为一体的综合性建筑群;独立存在的菜场",
   "examples": "XX沿街商铺、XX商场/广场、XX购物中心、XX菜场",
   "en": "Rural – commercial complex"
  },
  {
   "name": "农村-公共机构",
   "group": "农村",
   "kind": "公共机构",
   "unit_types": [
    "农村",
    "农场"
   ],
   "departments": [
    "党政办"
   ],
   "household_band": false,
   "principle": "政府机关及其派出机构、事业单位、公共服务窗口单位",
   "examples": "人民政府、办事处、局、院、所、中心",
   "en": "Rural – public institution"
  },
  {
   "name": "农村-学校",
   "group": "农村",
   "kind": "学校",
   "unit_types": [
    "农村",
    "农场"
   ],
   "departments": [
    "服务办"
   ],
   "household_band": false,
   "principle": "学校、幼托机构",
   "examples": "XX幼儿园、XX小学、XX中学",
   "en": "Rural – school"
  },
  {
   "name": "农村-风景区",
   "group": "农村",
   "kind": "风景区",
   "unit_types": [
    "农村",
    "农场"
   ],
   "departments": [
    "文体中心"
   ],
   "household_band": false,
   "principle": "公园、游乐园、景区等",
   "examples": "XX公园、XX游乐园",
   "en": "Rural – scenic area"
  },
  {
   "name": "农村-文体",
   "group": "农村",
   "kind": "文体",
   "unit_types": [
    "农村",
    "农场"
   ],
   "departments": [
    "文体中心"
   ],
   "household_band": false,
   "principle": "社区活动中心、体育健身场馆、文化艺术场馆等",
   "examples": "博物馆、群文艺术馆、展览馆、剧院、体育场馆、社区文体活动中心",
   "en": "Rural – culture & sports"
  },
  {
   "name": "农村-医疗",
   "group": "农村",
   "kind": "医疗",
   "unit_types": [
    "农村",
    "农场"
   ],
   "departments": [
    "服务办"
   ],
   "household_band": false,
   "principle": "各类医疗卫生机构",
   "examples": "XX医院、XX门诊部、XX社区卫生服务中心",
   "en": "Rural – medical"
  },
  {
   "name": "农村-养老",
   "group": "农村",
   "kind": "养老",
   "unit_types": [
    "农村",
    "农场"
   ],
   "departments": [
    "服务办"
   ],
   "household_band": false,
   "principle": "各类老龄服务机构",
   "examples": "养老院、老年护理院",
   "en": "Rural – elderly care"
  },
  {
   "name": "农村-工地",
   "group": "农村",
   "kind": "工地",
   "unit_types": [
    "农村",
    "农场"
   ],
   "departments": [
    "管理办"
   ],
   "household_band": false,
   "principle": "施工工地(建设周期一年以上,具一定规模的工地)",
   "examples": "XX工地、XX项目",
   "en": "Rural – construction site"
  },
  {
   "name": "农村-公共区域",
   "group": "农村",
   "kind": "公共区域",
   "unit_types": [
    "农村",
    "农场"
   ],
   "departments": [
    "社发中心",
    "管理办"
   ],
   "household_band": false,
   "principle": "河道、绿地等无围墙不封闭区域",
   "examples": "XX公共区域",
   "en": "Rural – public area"
  },
  {
   "name": "农村-其它",
   "group": "农村",
   "kind": "其它",
   "unit_types": [
    "农村",
    "农场"
   ],
   "departments": [
    "各村"
   ],
   "household_band": false,
   "principle": "上述类型都不符合或无法判断的",
   "examples": "其他",
   "en": "Rural – other"
  },
  {
   "name": "街面-企业",
   "group": "街面",
   "kind": "企业",
   "unit_types": [
    "街面"
   ],
   "departments": [
    "营商办"
   ],
   "household_band": false,
   "principle": "有独立物理空间单元的生产、加工、运输、商贸等企业以及企业园区",
   "examples": "XX公司、XX厂、XX园区、农贸市场、批发市场",
   "en": "Street-front – enterprise"
  },
  {
   "name": "街面-楼宇",
   "group": "街面",
   "kind": "楼宇",
   "unit_types": [
    "街面"
   ],
   "departments": [
    "营商办",
    "文体中心"
   ],
   "household_band": false,
   "principle": "商务办公、商务服务楼宇",
   "examples": "XX大厦、XX大楼、XX酒店",
   "en": "Street-front – office building"
  },
  {
   "name": "街面-商业体",
   "group": "街面",
   "kind": "商业体",
   "unit_types": [
    "街面"
   ],
   "departments": [
    "营商办",
    "文体中心",
    "街面工作站"
   ],
   "household_band": false,
   "principle": "聚合商业、办公、住宿、展览、餐饮、会议、文娱等功能为一体的综合性建筑群;独立存在的菜场",
   "examples": "XX沿街商铺、XX商场/广场、XX购物中心、XX菜场",
   "en": "Street-front – commercial complex"
  },
  {
   "name": "街面-公共机构",
   "group": "街面",
   "kind": "公共机构",
   "unit_types": [
    "街面"
   ],
   "departments": [
    "党政办"
   ],
   "household_band": false,
   "principle": "政府机关及其派出机构、事业单位、公共服务窗口单位",
   "examples": "人民政府、办事处、局、院、所、中心",
   "en": "Street-front – public institution"
  },
  {
   "name": "街面-学校",
   "group": "街面",
   "kind": "学校",
   "unit_types": [
    "街面"
   ],
   "departments": [
    "服务办"
   ],
   "household_band": false,
   "principle": "学校、幼托机构",
   "examples": "XX幼儿园、XX小学、XX中学",
   "en": "Street-front – school"
  },
  {
   "name": "街面-风景区",
   "group": "街面",
   "kind": "风景区",
   "unit_types": [
    "街面"
   ],
   "departments": [
    "文体中心"
   ],
   "household_band": false,
   "principle": "公园、游乐园、景区等",
   "examples": "XX公园、XX游乐园",
   "en": "Street-front – scenic area"
  },
  {
   "name": "街面-文体",
   "group": "街面",
   "kind": "文体",
   "unit_types": [
    "街面"
   ],
   "departments": [
    "文体中心"
   ],
   "household_band": false,
   "principle": "社区活动中心、体育健身场馆、文化艺术场馆等",
   "examples": "博物馆、群文艺术馆、展览馆、剧院、体育场馆、社区文体活动中心",
   "en": "Street-front – culture & sports"
  },
  {
   "name": "街面-医疗",
   "group": "街面",
   "kind": "医疗",
   "unit_types": [
    "街面"
   ],
   "departments": [
    "服务办"
   ],
   "household_band": false,
   "principle": "各类医疗卫生机构",
   "examples": "XX医院、XX门诊部、XX社区卫生服务中心",
   "en": "Street-front – medical"
  },
  {
   "name": "街面-养老",
   "group": "街面",
   "kind": "养老",
   "unit_types": [
    "街面"
   ],
   "departments": [
    "服务办"
   ],
   "household_band": false,
   "principle": "各类老龄服务机构",
   "examples": "养老院、老年护理院",
   "en": "Street-front – elderly care"
  },
  {
   "name": "街面-工地",
   "group": "街面",
   "kind": "工地",
   "unit_types": [
    "街面"
   ],
   "departments": [
    "管理办"
   ],
   "household_band": false,
   "principle": "施工工地(建设周期一年以上,具一定规模的工地)",
   "examples": "XX工地、XX项目",
   "en": "Street-front – construction site"
  },
  {
   "name": "街面-公共区域",
   "group": "街面",
   "kind": "公共区域",
   "unit_types": [
    "街面"
   ],
   "departments": [
    "管理办",
    "社发中心"
   ],
   "household_band": false,
   "principle": "河道、绿地等无围墙不封闭区域",
   "examples": "XX公共区域",
   "en": "Street-front – public area"
  },
  {
   "name": "街面-其它",
   "group": "街面",
   "kind": "其它",
   "unit_types": [
    "街面"
   ],
   "departments": [
    "街面工作站"
   ],
   "household_band": false,
   "principle": "上述类型都不符合或无法判断的",
   "examples": "其他",
   "en": "Street-front – other"
  }
 ]
}');
CREATE TABLE "mapedit_edit_log" (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, edit INTEGER NOT NULL, at TEXT NOT NULL, who TEXT, description TEXT, description_en TEXT, action TEXT NOT NULL, fid INTEGER, code TEXT, before_attrs TEXT, after_attrs TEXT, before_geom BLOB, after_geom BLOB);
INSERT INTO "mapedit_edit_log" VALUES(1,1,'2026-12-01T06:21:22+00:00','张三','新建并改名','add and rename','insert',13,'310118001004001',NULL,'{"fid": 13, "code": "310118001004001", "name": "农场新网格", "category": "村组", "unit_code": "310118001004", "departments": ["自治办"], "households": 320, "population": null, "four_bounds": null, "notes": "", "created": "2024-06-01T00:00:00+00:00", "updated": "2024-06-01T00:00:00+00:00"}',NULL,X'47500003C511000000000000E08D1E4100000000A88E1E4100000000AA4A4A4100000000C34A4A410106000000010000000103000000010000000500000000000000A88E1E4100000000AA4A4A4100000000A88E1E4100000000C34A4A4100000000E08D1E4100000000C34A4A4100000000E08D1E4100000000AA4A4A4100000000A88E1E4100000000AA4A4A41');
INSERT INTO "mapedit_edit_log" VALUES(2,1,'2026-12-01T06:21:22+00:00','张三','新建并改名','add and rename','update',1,'310118001001001','{"fid": 1, "code": "310118001001001", "name": "小区1-1号微网格", "category": "小区", "unit_code": "310118001001", "departments": ["自治办", "城建中心", "各居"], "households": 351, "population": 1001, "four_bounds": {"east": "青赵公路", "south": "淀山湖大道", "west": "河道", "north": "盈港东路"}, "notes": "", "created": "2024-05-01T08:00:00+00:00", "updated": "2024-05-02T09:30:00+00:00"}','{"fid": 1, "code": "310118001001001", "name": "改过的名字", "category": "小区", "unit_code": "310118001001", "departments": ["自治办", "城建中心", "各居"], "households": 351, "population": 1001, "four_bounds": {"east": "青赵公路", "south": "淀山湖大道", "west": "河道", "north": "盈港东路"}, "notes": "", "created": "2024-05-01T08:00:00+00:00", "updated": "2024-05-02T09:30:00+00:00"}',X'47500003C51100000000000080841E410000000068881E4100000000EF4B4A41000000006C4C4A41010600000001000000010300000002000000050000000000000068881E4100000000EF4B4A410000000068881E41000000006C4C4A410000000080841E41000000006C4C4A410000000080841E4100000000EF4B4A410000000068881E4100000000EF4B4A41040000000000000010861E41000000003A4C4A410000000060861E41000000003A4C4A410000000060861E4100000000444C4A410000000010861E41000000003A4C4A41',X'47500003C51100000000000080841E410000000068881E4100000000EF4B4A41000000006C4C4A41010600000001000000010300000002000000050000000000000068881E4100000000EF4B4A410000000068881E41000000006C4C4A410000000080841E41000000006C4C4A410000000080841E4100000000EF4B4A410000000068881E4100000000EF4B4A41040000000000000010861E41000000003A4C4A410000000060861E41000000003A4C4A410000000060861E4100000000444C4A410000000010861E41000000003A4C4A41');
CREATE TABLE "mapedit_meta" (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, key TEXT UNIQUE NOT NULL, value TEXT);
INSERT INTO "mapedit_meta" VALUES(1,'format','mapedit-project');
INSERT INTO "mapedit_meta" VALUES(2,'format_version','1');
INSERT INTO "mapedit_meta" VALUES(3,'crs','EPSG:4549');
INSERT INTO "mapedit_meta" VALUES(4,'srs_id','4549');
INSERT INTO "mapedit_meta" VALUES(5,'created','2026-12-01T06:21:22+00:00');
INSERT INTO "mapedit_meta" VALUES(6,'app_version','0.1.0');
CREATE TABLE "mapedit_settings" (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, key TEXT UNIQUE NOT NULL, value TEXT);
INSERT INTO "mapedit_settings" VALUES(1,'noding_precision_m','0.001');
INSERT INTO "mapedit_settings" VALUES(2,'coordinate_precision_m','0.01');
INSERT INTO "mapedit_settings" VALUES(3,'min_area_m2','0.01');
INSERT INTO "mapedit_settings" VALUES(4,'sliver_width_m','0.25');
INSERT INTO "mapedit_settings" VALUES(5,'building_cut_min_area_m2','1.0');
INSERT INTO "mapedit_settings" VALUES(6,'building_cut_min_share','0.05');
INSERT INTO "mapedit_settings" VALUES(7,'households_min','250');
INSERT INTO "mapedit_settings" VALUES(8,'households_max','500');
INSERT INTO "mapedit_settings" VALUES(9,'snap_pixels','10');
INSERT INTO "mapedit_settings" VALUES(10,'code_pattern','"default"');
CREATE TABLE "micro_grids" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom MULTIPOLYGON, code TEXT, name TEXT, category TEXT, unit_code TEXT, departments TEXT, households INTEGER, population INTEGER, four_bounds TEXT, notes TEXT, created TEXT, updated TEXT);
INSERT INTO "micro_grids" VALUES(1,X'47500003C51100000000000080841E410000000068881E4100000000EF4B4A41000000006C4C4A41010600000001000000010300000002000000050000000000000068881E4100000000EF4B4A410000000068881E41000000006C4C4A410000000080841E41000000006C4C4A410000000080841E4100000000EF4B4A410000000068881E4100000000EF4B4A41040000000000000010861E41000000003A4C4A410000000060861E41000000003A4C4A410000000060861E4100000000444C4A410000000010861E41000000003A4C4A41','310118001001001','改过的名字','小区','310118001001','["自治办", "城建中心", "各居"]',351,1001,'{"east": "青赵公路", "south": "淀山湖大道", "west": "河道", "north": "盈港东路"}','','2024-05-01T08:00:00+00:00','2024-05-02T09:30:00+00:00');
INSERT INTO "micro_grids" VALUES(2,X'47500003C51100000000000068881E4100000000508C1E4100000000EF4B4A41000000006C4C4A4101060000000200000001030000000100000005000000000000005C8A1E4100000000EF4B4A41000000005C8A1E41000000006C4C4A410000000068881E41000000006C4C4A410000000068881E4100000000EF4B4A41000000005C8A1E4100000000EF4B4A410103000000010000000500000000000000508C1E4100000000EF4B4A4100000000508C1E41000000006C4C4A41000000005D8A1E41000000006C4C4A41000000005D8A1E4100000000EF4B4A4100000000508C1E4100000000EF4B4A41','310118001001002','小区1-2号微网格','小区','310118001001','["自治办", "城建中心", "各居"]',352,NULL,NULL,'','2024-05-01T08:00:00+00:00','2024-05-02T09:30:00+00:00');
INSERT INTO "micro_grids" VALUES(3,X'47500003C51100000000000080841E410000000068881E4100000000724B4A4100000000EF4B4A41010600000001000000010300000001000000050000000000000068881E4100000000724B4A410000000068881E4100000000EF4B4A410000000080841E4100000000EF4B4A410000000080841E4100000000724B4A410000000068881E4100000000724B4A41','310118001001003','小区1-3号微网格','小区','310118001001','["自治办", "城建中心", "各居"]',353,1003,NULL,'备注:含"引号"和 ''apostrophe''','2024-05-01T08:00:00+00:00','2024-05-02T09:30:00+00:00');
INSERT INTO "micro_grids" VALUES(4,X'47500003C51100000000000068881E4100000000508C1E4100000000724B4A4100000000EF4B4A410106000000010000000103000000010000000500000000000000508C1E4100000000724B4A4100000000508C1E4100000000EF4B4A410000000068881E4100000000EF4B4A410000000068881E4100000000724B4A4100000000508C1E4100000000724B4A41','310118001001004','小区1-4号微网格','小区','310118001001','["自治办", "城建中心", "各居"]',354,1004,NULL,'','2024-05-01T08:00:00+00:00','2024-05-02T09:30:00+00:00');
INSERT INTO "micro_grids" VALUES(5,X'47500003C511000000000000508C1E410000000038901E4100000000EF4B4A41000000006C4C4A41010600000001000000010300000001000000050000000000000038901E4100000000EF4B4A410000000038901E41000000006C4C4A4100000000508C1E41000000006C4C4A4100000000508C1E4100000000EF4B4A410000000038901E4100000000EF4B4A41','310118001002001','农村2-1号微网格','村组','310118001002','["自治办", "社发中心", "各村"]',351,1001,'{"east": "青赵公路", "south": "淀山湖大道", "west": "河道", "north": "盈港东路"}','','2024-05-01T08:00:00+00:00','2024-05-02T09:30:00+00:00');
INSERT INTO "micro_grids" VALUES(6,X'47500003C51100000000000038901E410000000020941E4100000000EF4B4A41000000006C4C4A41010600000001000000010300000001000000050000000000000020941E4100000000EF4B4A410000000020941E41000000006C4C4A410000000038901E41000000006C4C4A410000000038901E4100000000EF4B4A410000000020941E4100000000EF4B4A41','310118001002002','农村2-2号微网格','村组','310118001002','["自治办", "社发中心", "各村"]',352,NULL,NULL,'','2024-05-01T08:00:00+00:00','2024-05-02T09:30:00+00:00');
INSERT INTO "micro_grids" VALUES(7,X'47500003C511000000000000508C1E410000000038901E4100000000724B4A4100000000EF4B4A41010600000001000000010300000001000000050000000000000038901E4100000000724B4A410000000038901E4100000000EF4B4A4100000000508C1E4100000000EF4B4A4100000000508C1E4100000000724B4A410000000038901E4100000000724B4A41','310118001002003','农村2-3号微网格','村组','310118001002','["自治办", "社发中心", "各村"]',353,1003,NULL,'备注:含"引号"和 ''apostrophe''','2024-05-01T08:00:00+00:00','2024-05-02T09:30:00+00:00');
INSERT INTO "micro_grids" VALUES(8,X'47500003C51100000000000038901E410000000020941E4100000000724B4A4100000000EF4B4A41010600000001000000010300000001000000050000000000000020941E4100000000724B4A410000000020941E4100000000EF4B4A410000000038901E4100000000EF4B4A410000000038901E4100000000724B4A410000000020941E4100000000724B4A41','310118001002004','农村2-4号微网格','村组','310118001002','["自治办", "社发中心", "各村"]',354,1004,NULL,'','2024-05-01T08:00:00+00:00','2024-05-02T09:30:00+00:00');
INSERT INTO "micro_grids" VALUES(9,X'47500003C51100000000000080841E410000000068881E4100000000F54A4A4100000000724B4A41010600000001000000010300000001000000050000000000000068881E4100000000F54A4A410000000068881E4100000000724B4A410000000080841E4100000000724B4A410000000080841E4100000000F54A4A410000000068881E4100000000F54A4A41','310118001003001','街面3-1号微网格','街面-其它','310118001003','["街面工作站"]',NULL,1001,'{"east": "青赵公路", "south": "淀山湖大道", "west": "河道", "north": "盈港东路"}','','2024-05-01T08:00:00+00:00','2024-05-02T09:30:00+00:00');
INSERT INTO "micro_grids" VALUES(10,X'47500003C51100000000000068881E4100000000508C1E4100000000F54A4A4100000000724B4A410106000000010000000103000000010000000500000000000000508C1E4100000000F54A4A4100000000508C1E4100000000724B4A410000000068881E4100000000724B4A410000000068881E4100000000F54A4A4100000000508C1E4100000000F54A4A41','310118001003002','街面3-2号微网格','街面-其它','310118001003','["街面工作站"]',NULL,NULL,NULL,'','2024-05-01T08:00:00+00:00','2024-05-02T09:30:00+00:00');
INSERT INTO "micro_grids" VALUES(11,X'47500003C51100000000000080841E410000000068881E4100000000784A4A4100000000F54A4A41010600000001000000010300000001000000050000000000000068881E4100000000784A4A410000000068881E4100000000F54A4A410000000080841E4100000000F54A4A410000000080841E4100000000784A4A410000000068881E4100000000784A4A41','310118001003003','街面3-3号微网格','街面-其它','310118001003','["街面工作站"]',NULL,1003,NULL,'备注:含"引号"和 ''apostrophe''','2024-05-01T08:00:00+00:00','2024-05-02T09:30:00+00:00');
INSERT INTO "micro_grids" VALUES(12,X'47500003C51100000000000068881E4100000000508C1E4100000000784A4A4100000000F54A4A410106000000010000000103000000010000000500000000000000508C1E4100000000784A4A4100000000508C1E4100000000F54A4A410000000068881E4100000000F54A4A410000000068881E4100000000784A4A4100000000508C1E4100000000784A4A41','310118001003004','街面3-4号微网格','街面-其它','310118001003','["街面工作站"]',NULL,1004,NULL,'','2024-05-01T08:00:00+00:00','2024-05-02T09:30:00+00:00');
INSERT INTO "micro_grids" VALUES(13,X'47500003C511000000000000E08D1E4100000000A88E1E4100000000AA4A4A4100000000C34A4A410106000000010000000103000000010000000500000000000000A88E1E4100000000AA4A4A4100000000A88E1E4100000000C34A4A4100000000E08D1E4100000000C34A4A4100000000E08D1E4100000000AA4A4A4100000000A88E1E4100000000AA4A4A41','310118001004001','农场新网格','村组','310118001004','["自治办"]',320,NULL,NULL,'','2024-06-01T00:00:00+00:00','2024-06-01T00:00:00+00:00');
CREATE TABLE "responsibility_grids" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom MULTIPOLYGON, code TEXT, name TEXT, street_code TEXT);
INSERT INTO "responsibility_grids" VALUES(1,X'47500003C51100000000000080841E410000000020941E4100000000724B4A41000000006C4C4A41010600000001000000010300000001000000050000000000000020941E4100000000724B4A410000000020941E41000000006C4C4A410000000080841E41000000006C4C4A410000000080841E4100000000724B4A410000000020941E4100000000724B4A41','R1','第一责任网格','310118001');
INSERT INTO "responsibility_grids" VALUES(2,X'47500003C51100000000000080841E410000000020941E4100000000784A4A4100000000724B4A41010600000001000000010300000001000000050000000000000020941E4100000000784A4A410000000020941E4100000000724B4A410000000080841E4100000000724B4A410000000080841E4100000000784A4A410000000020941E4100000000784A4A41','R2','第二责任网格','310118001');
CREATE TABLE "street" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom MULTIPOLYGON, code TEXT, name TEXT);
INSERT INTO "street" VALUES(1,X'47500003C51100000000000080841E410000000020941E4100000000784A4A41000000006C4C4A41010600000001000000010300000001000000050000000000000020941E4100000000784A4A410000000020941E41000000006C4C4A410000000080841E41000000006C4C4A410000000080841E4100000000784A4A410000000020941E4100000000784A4A41','310118001','夏阳街道 (测试)');
CREATE TABLE "units" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom MULTIPOLYGON, code TEXT UNIQUE, name TEXT, unit_type TEXT, responsibility_grid TEXT, street TEXT, committee TEXT, locked BOOLEAN NOT NULL DEFAULT 0);
INSERT INTO "units" VALUES(1,X'47500003C51100000000000080841E4100000000508C1E4100000000724B4A41000000006C4C4A410106000000010000000103000000010000000500000000000000508C1E4100000000724B4A4100000000508C1E41000000006C4C4A410000000080841E41000000006C4C4A410000000080841E4100000000724B4A4100000000508C1E4100000000724B4A41','310118001001','小区单元1 夏阳湖','小区','R1','夏阳街道 (测试)','',1);
INSERT INTO "units" VALUES(2,X'47500003C511000000000000508C1E410000000020941E4100000000724B4A41000000006C4C4A41010600000001000000010300000001000000050000000000000020941E4100000000724B4A410000000020941E41000000006C4C4A4100000000508C1E41000000006C4C4A4100000000508C1E4100000000724B4A410000000020941E4100000000724B4A41','310118001002','农村单元2 夏阳湖','农村','R1','夏阳街道 (测试)','',0);
INSERT INTO "units" VALUES(3,X'47500003C51100000000000080841E4100000000508C1E4100000000784A4A4100000000724B4A410106000000010000000103000000010000000500000000000000508C1E4100000000784A4A4100000000508C1E4100000000724B4A410000000080841E4100000000724B4A410000000080841E4100000000784A4A4100000000508C1E4100000000784A4A41','310118001003','街面单元3 夏阳湖','街面','R2','夏阳街道 (测试)','夏阳湖居委',0);
INSERT INTO "units" VALUES(4,X'47500003C511000000000000508C1E410000000020941E4100000000784A4A4100000000724B4A41010600000001000000010300000001000000050000000000000020941E4100000000784A4A410000000020941E4100000000724B4A4100000000508C1E4100000000724B4A4100000000508C1E4100000000784A4A410000000020941E4100000000784A4A41','310118001004','农场单元4 夏阳湖','农场','R2','夏阳街道 (测试)','',0);
CREATE INDEX idx_micro_grids_code ON micro_grids(code);
CREATE INDEX idx_micro_grids_unit_code ON micro_grids(unit_code);
CREATE INDEX idx_edit_log_fid ON mapedit_edit_log(fid);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('street',1);
INSERT INTO "sqlite_sequence" VALUES('responsibility_grids',2);
INSERT INTO "sqlite_sequence" VALUES('units',4);
INSERT INTO "sqlite_sequence" VALUES('micro_grids',13);
INSERT INTO "sqlite_sequence" VALUES('base_roads',2);
INSERT INTO "sqlite_sequence" VALUES('base_water',1);
INSERT INTO "sqlite_sequence" VALUES('base_buildings',25);
INSERT INTO "sqlite_sequence" VALUES('base_villager_groups',1);
INSERT INTO "sqlite_sequence" VALUES('base_pois',2);
INSERT INTO "sqlite_sequence" VALUES('mapedit_meta',6);
INSERT INTO "sqlite_sequence" VALUES('mapedit_settings',10);
INSERT INTO "sqlite_sequence" VALUES('mapedit_catalogue',1);
INSERT INTO "sqlite_sequence" VALUES('mapedit_edit_log',2);
INSERT INTO "sqlite_sequence" VALUES('mapedit_accepted',1);
COMMIT;
