"""The OIDs of PostgreSQL 15's built-in types (pg_catalog base, pseudo, range, multirange
types and their arrays).

Generated from a PostgreSQL 15 catalog; to regenerate, run against a fresh cluster:

    SELECT t.oid, t.typname, t.typlen, t.typarray, t.typelem, t.typdelim FROM pg_type t
    WHERE t.oid < 16384 AND t.typnamespace = 'pg_catalog'::regnamespace
      AND (t.typtype IN ('b','p','r','m')
           AND (t.typcategory <> 'A' OR t.typname IN ('int2vector','oidvector'))
           OR <t is the typarray of such a type>)
    ORDER BY t.oid;

Constants are the upper-cased typname; an array type is `<ELEMENT>_ARRAY` (`INT4_ARRAY`
is `_int4`, 1007).
"""

from __future__ import annotations

BOOL = 16
BYTEA = 17
CHAR = 18
NAME = 19
INT8 = 20
INT2 = 21
INT2VECTOR = 22
INT4 = 23
REGPROC = 24
TEXT = 25
OID = 26
TID = 27
XID = 28
CID = 29
OIDVECTOR = 30
PG_DDL_COMMAND = 32
JSON = 114
XML = 142
PG_NODE_TREE = 194
TABLE_AM_HANDLER = 269
INDEX_AM_HANDLER = 325
POINT = 600
LSEG = 601
PATH = 602
BOX = 603
POLYGON = 604
LINE = 628
CIDR = 650
FLOAT4 = 700
FLOAT8 = 701
UNKNOWN = 705
CIRCLE = 718
MACADDR8 = 774
MONEY = 790
MACADDR = 829
INET = 869
ACLITEM = 1033
BPCHAR = 1042
VARCHAR = 1043
DATE = 1082
TIME = 1083
TIMESTAMP = 1114
TIMESTAMPTZ = 1184
INTERVAL = 1186
TIMETZ = 1266
BIT = 1560
VARBIT = 1562
NUMERIC = 1700
REFCURSOR = 1790
REGPROCEDURE = 2202
REGOPER = 2203
REGOPERATOR = 2204
REGCLASS = 2205
REGTYPE = 2206
RECORD = 2249
CSTRING = 2275
ANY = 2276
ANYARRAY = 2277
VOID = 2278
TRIGGER = 2279
LANGUAGE_HANDLER = 2280
INTERNAL = 2281
ANYELEMENT = 2283
ANYNONARRAY = 2776
UUID = 2950
TXID_SNAPSHOT = 2970
FDW_HANDLER = 3115
PG_LSN = 3220
TSM_HANDLER = 3310
PG_NDISTINCT = 3361
PG_DEPENDENCIES = 3402
ANYENUM = 3500
TSVECTOR = 3614
TSQUERY = 3615
GTSVECTOR = 3642
REGCONFIG = 3734
REGDICTIONARY = 3769
JSONB = 3802
ANYRANGE = 3831
EVENT_TRIGGER = 3838
INT4RANGE = 3904
NUMRANGE = 3906
TSRANGE = 3908
TSTZRANGE = 3910
DATERANGE = 3912
INT8RANGE = 3926
JSONPATH = 4072
REGNAMESPACE = 4089
REGROLE = 4096
REGCOLLATION = 4191
INT4MULTIRANGE = 4451
NUMMULTIRANGE = 4532
TSMULTIRANGE = 4533
TSTZMULTIRANGE = 4534
DATEMULTIRANGE = 4535
INT8MULTIRANGE = 4536
ANYMULTIRANGE = 4537
ANYCOMPATIBLEMULTIRANGE = 4538
PG_BRIN_BLOOM_SUMMARY = 4600
PG_BRIN_MINMAX_MULTI_SUMMARY = 4601
PG_MCV_LIST = 5017
PG_SNAPSHOT = 5038
XID8 = 5069
ANYCOMPATIBLE = 5077
ANYCOMPATIBLEARRAY = 5078
ANYCOMPATIBLENONARRAY = 5079
ANYCOMPATIBLERANGE = 5080

# Array types
XML_ARRAY = 143
JSON_ARRAY = 199
XID8_ARRAY = 271
LINE_ARRAY = 629
CIDR_ARRAY = 651
CIRCLE_ARRAY = 719
MACADDR8_ARRAY = 775
MONEY_ARRAY = 791
BOOL_ARRAY = 1000
BYTEA_ARRAY = 1001
CHAR_ARRAY = 1002
NAME_ARRAY = 1003
INT2_ARRAY = 1005
INT2VECTOR_ARRAY = 1006
INT4_ARRAY = 1007
REGPROC_ARRAY = 1008
TEXT_ARRAY = 1009
TID_ARRAY = 1010
XID_ARRAY = 1011
CID_ARRAY = 1012
OIDVECTOR_ARRAY = 1013
BPCHAR_ARRAY = 1014
VARCHAR_ARRAY = 1015
INT8_ARRAY = 1016
POINT_ARRAY = 1017
LSEG_ARRAY = 1018
PATH_ARRAY = 1019
BOX_ARRAY = 1020
FLOAT4_ARRAY = 1021
FLOAT8_ARRAY = 1022
POLYGON_ARRAY = 1027
OID_ARRAY = 1028
ACLITEM_ARRAY = 1034
MACADDR_ARRAY = 1040
INET_ARRAY = 1041
TIMESTAMP_ARRAY = 1115
DATE_ARRAY = 1182
TIME_ARRAY = 1183
TIMESTAMPTZ_ARRAY = 1185
INTERVAL_ARRAY = 1187
NUMERIC_ARRAY = 1231
CSTRING_ARRAY = 1263
TIMETZ_ARRAY = 1270
BIT_ARRAY = 1561
VARBIT_ARRAY = 1563
REFCURSOR_ARRAY = 2201
REGPROCEDURE_ARRAY = 2207
REGOPER_ARRAY = 2208
REGOPERATOR_ARRAY = 2209
REGCLASS_ARRAY = 2210
REGTYPE_ARRAY = 2211
RECORD_ARRAY = 2287
TXID_SNAPSHOT_ARRAY = 2949
UUID_ARRAY = 2951
PG_LSN_ARRAY = 3221
TSVECTOR_ARRAY = 3643
GTSVECTOR_ARRAY = 3644
TSQUERY_ARRAY = 3645
REGCONFIG_ARRAY = 3735
REGDICTIONARY_ARRAY = 3770
JSONB_ARRAY = 3807
INT4RANGE_ARRAY = 3905
NUMRANGE_ARRAY = 3907
TSRANGE_ARRAY = 3909
TSTZRANGE_ARRAY = 3911
DATERANGE_ARRAY = 3913
INT8RANGE_ARRAY = 3927
JSONPATH_ARRAY = 4073
REGNAMESPACE_ARRAY = 4090
REGROLE_ARRAY = 4097
REGCOLLATION_ARRAY = 4192
PG_SNAPSHOT_ARRAY = 5039
INT4MULTIRANGE_ARRAY = 6150
NUMMULTIRANGE_ARRAY = 6151
TSMULTIRANGE_ARRAY = 6152
TSTZMULTIRANGE_ARRAY = 6153
DATEMULTIRANGE_ARRAY = 6155
INT8MULTIRANGE_ARRAY = 6157

# (oid, typname, typlen, array oid, element oid (arrays only), array delimiter)
BUILTINS: tuple[tuple[int, str, int, int, int, str], ...] = (
    (BOOL, "bool", 1, BOOL_ARRAY, 0, ","),
    (BYTEA, "bytea", -1, BYTEA_ARRAY, 0, ","),
    (CHAR, "char", 1, CHAR_ARRAY, 0, ","),
    (NAME, "name", 64, NAME_ARRAY, 0, ","),
    (INT8, "int8", 8, INT8_ARRAY, 0, ","),
    (INT2, "int2", 2, INT2_ARRAY, 0, ","),
    (INT2VECTOR, "int2vector", -1, INT2VECTOR_ARRAY, 0, ","),
    (INT4, "int4", 4, INT4_ARRAY, 0, ","),
    (REGPROC, "regproc", 4, REGPROC_ARRAY, 0, ","),
    (TEXT, "text", -1, TEXT_ARRAY, 0, ","),
    (OID, "oid", 4, OID_ARRAY, 0, ","),
    (TID, "tid", 6, TID_ARRAY, 0, ","),
    (XID, "xid", 4, XID_ARRAY, 0, ","),
    (CID, "cid", 4, CID_ARRAY, 0, ","),
    (OIDVECTOR, "oidvector", -1, OIDVECTOR_ARRAY, 0, ","),
    (PG_DDL_COMMAND, "pg_ddl_command", 8, 0, 0, ","),
    (JSON, "json", -1, JSON_ARRAY, 0, ","),
    (XML, "xml", -1, XML_ARRAY, 0, ","),
    (XML_ARRAY, "_xml", -1, 0, XML, ","),
    (PG_NODE_TREE, "pg_node_tree", -1, 0, 0, ","),
    (JSON_ARRAY, "_json", -1, 0, JSON, ","),
    (TABLE_AM_HANDLER, "table_am_handler", 4, 0, 0, ","),
    (XID8_ARRAY, "_xid8", -1, 0, XID8, ","),
    (INDEX_AM_HANDLER, "index_am_handler", 4, 0, 0, ","),
    (POINT, "point", 16, POINT_ARRAY, 0, ","),
    (LSEG, "lseg", 32, LSEG_ARRAY, 0, ","),
    (PATH, "path", -1, PATH_ARRAY, 0, ","),
    (BOX, "box", 32, BOX_ARRAY, 0, ";"),
    (POLYGON, "polygon", -1, POLYGON_ARRAY, 0, ","),
    (LINE, "line", 24, LINE_ARRAY, 0, ","),
    (LINE_ARRAY, "_line", -1, 0, LINE, ","),
    (CIDR, "cidr", -1, CIDR_ARRAY, 0, ","),
    (CIDR_ARRAY, "_cidr", -1, 0, CIDR, ","),
    (FLOAT4, "float4", 4, FLOAT4_ARRAY, 0, ","),
    (FLOAT8, "float8", 8, FLOAT8_ARRAY, 0, ","),
    (UNKNOWN, "unknown", -2, 0, 0, ","),
    (CIRCLE, "circle", 24, CIRCLE_ARRAY, 0, ","),
    (CIRCLE_ARRAY, "_circle", -1, 0, CIRCLE, ","),
    (MACADDR8, "macaddr8", 8, MACADDR8_ARRAY, 0, ","),
    (MACADDR8_ARRAY, "_macaddr8", -1, 0, MACADDR8, ","),
    (MONEY, "money", 8, MONEY_ARRAY, 0, ","),
    (MONEY_ARRAY, "_money", -1, 0, MONEY, ","),
    (MACADDR, "macaddr", 6, MACADDR_ARRAY, 0, ","),
    (INET, "inet", -1, INET_ARRAY, 0, ","),
    (BOOL_ARRAY, "_bool", -1, 0, BOOL, ","),
    (BYTEA_ARRAY, "_bytea", -1, 0, BYTEA, ","),
    (CHAR_ARRAY, "_char", -1, 0, CHAR, ","),
    (NAME_ARRAY, "_name", -1, 0, NAME, ","),
    (INT2_ARRAY, "_int2", -1, 0, INT2, ","),
    (INT2VECTOR_ARRAY, "_int2vector", -1, 0, INT2VECTOR, ","),
    (INT4_ARRAY, "_int4", -1, 0, INT4, ","),
    (REGPROC_ARRAY, "_regproc", -1, 0, REGPROC, ","),
    (TEXT_ARRAY, "_text", -1, 0, TEXT, ","),
    (TID_ARRAY, "_tid", -1, 0, TID, ","),
    (XID_ARRAY, "_xid", -1, 0, XID, ","),
    (CID_ARRAY, "_cid", -1, 0, CID, ","),
    (OIDVECTOR_ARRAY, "_oidvector", -1, 0, OIDVECTOR, ","),
    (BPCHAR_ARRAY, "_bpchar", -1, 0, BPCHAR, ","),
    (VARCHAR_ARRAY, "_varchar", -1, 0, VARCHAR, ","),
    (INT8_ARRAY, "_int8", -1, 0, INT8, ","),
    (POINT_ARRAY, "_point", -1, 0, POINT, ","),
    (LSEG_ARRAY, "_lseg", -1, 0, LSEG, ","),
    (PATH_ARRAY, "_path", -1, 0, PATH, ","),
    (BOX_ARRAY, "_box", -1, 0, BOX, ";"),
    (FLOAT4_ARRAY, "_float4", -1, 0, FLOAT4, ","),
    (FLOAT8_ARRAY, "_float8", -1, 0, FLOAT8, ","),
    (POLYGON_ARRAY, "_polygon", -1, 0, POLYGON, ","),
    (OID_ARRAY, "_oid", -1, 0, OID, ","),
    (ACLITEM, "aclitem", 12, ACLITEM_ARRAY, 0, ","),
    (ACLITEM_ARRAY, "_aclitem", -1, 0, ACLITEM, ","),
    (MACADDR_ARRAY, "_macaddr", -1, 0, MACADDR, ","),
    (INET_ARRAY, "_inet", -1, 0, INET, ","),
    (BPCHAR, "bpchar", -1, BPCHAR_ARRAY, 0, ","),
    (VARCHAR, "varchar", -1, VARCHAR_ARRAY, 0, ","),
    (DATE, "date", 4, DATE_ARRAY, 0, ","),
    (TIME, "time", 8, TIME_ARRAY, 0, ","),
    (TIMESTAMP, "timestamp", 8, TIMESTAMP_ARRAY, 0, ","),
    (TIMESTAMP_ARRAY, "_timestamp", -1, 0, TIMESTAMP, ","),
    (DATE_ARRAY, "_date", -1, 0, DATE, ","),
    (TIME_ARRAY, "_time", -1, 0, TIME, ","),
    (TIMESTAMPTZ, "timestamptz", 8, TIMESTAMPTZ_ARRAY, 0, ","),
    (TIMESTAMPTZ_ARRAY, "_timestamptz", -1, 0, TIMESTAMPTZ, ","),
    (INTERVAL, "interval", 16, INTERVAL_ARRAY, 0, ","),
    (INTERVAL_ARRAY, "_interval", -1, 0, INTERVAL, ","),
    (NUMERIC_ARRAY, "_numeric", -1, 0, NUMERIC, ","),
    (CSTRING_ARRAY, "_cstring", -1, 0, CSTRING, ","),
    (TIMETZ, "timetz", 12, TIMETZ_ARRAY, 0, ","),
    (TIMETZ_ARRAY, "_timetz", -1, 0, TIMETZ, ","),
    (BIT, "bit", -1, BIT_ARRAY, 0, ","),
    (BIT_ARRAY, "_bit", -1, 0, BIT, ","),
    (VARBIT, "varbit", -1, VARBIT_ARRAY, 0, ","),
    (VARBIT_ARRAY, "_varbit", -1, 0, VARBIT, ","),
    (NUMERIC, "numeric", -1, NUMERIC_ARRAY, 0, ","),
    (REFCURSOR, "refcursor", -1, REFCURSOR_ARRAY, 0, ","),
    (REFCURSOR_ARRAY, "_refcursor", -1, 0, REFCURSOR, ","),
    (REGPROCEDURE, "regprocedure", 4, REGPROCEDURE_ARRAY, 0, ","),
    (REGOPER, "regoper", 4, REGOPER_ARRAY, 0, ","),
    (REGOPERATOR, "regoperator", 4, REGOPERATOR_ARRAY, 0, ","),
    (REGCLASS, "regclass", 4, REGCLASS_ARRAY, 0, ","),
    (REGTYPE, "regtype", 4, REGTYPE_ARRAY, 0, ","),
    (REGPROCEDURE_ARRAY, "_regprocedure", -1, 0, REGPROCEDURE, ","),
    (REGOPER_ARRAY, "_regoper", -1, 0, REGOPER, ","),
    (REGOPERATOR_ARRAY, "_regoperator", -1, 0, REGOPERATOR, ","),
    (REGCLASS_ARRAY, "_regclass", -1, 0, REGCLASS, ","),
    (REGTYPE_ARRAY, "_regtype", -1, 0, REGTYPE, ","),
    (RECORD, "record", -1, RECORD_ARRAY, 0, ","),
    (CSTRING, "cstring", -2, CSTRING_ARRAY, 0, ","),
    (ANY, "any", 4, 0, 0, ","),
    (ANYARRAY, "anyarray", -1, 0, 0, ","),
    (VOID, "void", 4, 0, 0, ","),
    (TRIGGER, "trigger", 4, 0, 0, ","),
    (LANGUAGE_HANDLER, "language_handler", 4, 0, 0, ","),
    (INTERNAL, "internal", 8, 0, 0, ","),
    (ANYELEMENT, "anyelement", 4, 0, 0, ","),
    (RECORD_ARRAY, "_record", -1, 0, RECORD, ","),
    (ANYNONARRAY, "anynonarray", 4, 0, 0, ","),
    (TXID_SNAPSHOT_ARRAY, "_txid_snapshot", -1, 0, TXID_SNAPSHOT, ","),
    (UUID, "uuid", 16, UUID_ARRAY, 0, ","),
    (UUID_ARRAY, "_uuid", -1, 0, UUID, ","),
    (TXID_SNAPSHOT, "txid_snapshot", -1, TXID_SNAPSHOT_ARRAY, 0, ","),
    (FDW_HANDLER, "fdw_handler", 4, 0, 0, ","),
    (PG_LSN, "pg_lsn", 8, PG_LSN_ARRAY, 0, ","),
    (PG_LSN_ARRAY, "_pg_lsn", -1, 0, PG_LSN, ","),
    (TSM_HANDLER, "tsm_handler", 4, 0, 0, ","),
    (PG_NDISTINCT, "pg_ndistinct", -1, 0, 0, ","),
    (PG_DEPENDENCIES, "pg_dependencies", -1, 0, 0, ","),
    (ANYENUM, "anyenum", 4, 0, 0, ","),
    (TSVECTOR, "tsvector", -1, TSVECTOR_ARRAY, 0, ","),
    (TSQUERY, "tsquery", -1, TSQUERY_ARRAY, 0, ","),
    (GTSVECTOR, "gtsvector", -1, GTSVECTOR_ARRAY, 0, ","),
    (TSVECTOR_ARRAY, "_tsvector", -1, 0, TSVECTOR, ","),
    (GTSVECTOR_ARRAY, "_gtsvector", -1, 0, GTSVECTOR, ","),
    (TSQUERY_ARRAY, "_tsquery", -1, 0, TSQUERY, ","),
    (REGCONFIG, "regconfig", 4, REGCONFIG_ARRAY, 0, ","),
    (REGCONFIG_ARRAY, "_regconfig", -1, 0, REGCONFIG, ","),
    (REGDICTIONARY, "regdictionary", 4, REGDICTIONARY_ARRAY, 0, ","),
    (REGDICTIONARY_ARRAY, "_regdictionary", -1, 0, REGDICTIONARY, ","),
    (JSONB, "jsonb", -1, JSONB_ARRAY, 0, ","),
    (JSONB_ARRAY, "_jsonb", -1, 0, JSONB, ","),
    (ANYRANGE, "anyrange", -1, 0, 0, ","),
    (EVENT_TRIGGER, "event_trigger", 4, 0, 0, ","),
    (INT4RANGE, "int4range", -1, INT4RANGE_ARRAY, 0, ","),
    (INT4RANGE_ARRAY, "_int4range", -1, 0, INT4RANGE, ","),
    (NUMRANGE, "numrange", -1, NUMRANGE_ARRAY, 0, ","),
    (NUMRANGE_ARRAY, "_numrange", -1, 0, NUMRANGE, ","),
    (TSRANGE, "tsrange", -1, TSRANGE_ARRAY, 0, ","),
    (TSRANGE_ARRAY, "_tsrange", -1, 0, TSRANGE, ","),
    (TSTZRANGE, "tstzrange", -1, TSTZRANGE_ARRAY, 0, ","),
    (TSTZRANGE_ARRAY, "_tstzrange", -1, 0, TSTZRANGE, ","),
    (DATERANGE, "daterange", -1, DATERANGE_ARRAY, 0, ","),
    (DATERANGE_ARRAY, "_daterange", -1, 0, DATERANGE, ","),
    (INT8RANGE, "int8range", -1, INT8RANGE_ARRAY, 0, ","),
    (INT8RANGE_ARRAY, "_int8range", -1, 0, INT8RANGE, ","),
    (JSONPATH, "jsonpath", -1, JSONPATH_ARRAY, 0, ","),
    (JSONPATH_ARRAY, "_jsonpath", -1, 0, JSONPATH, ","),
    (REGNAMESPACE, "regnamespace", 4, REGNAMESPACE_ARRAY, 0, ","),
    (REGNAMESPACE_ARRAY, "_regnamespace", -1, 0, REGNAMESPACE, ","),
    (REGROLE, "regrole", 4, REGROLE_ARRAY, 0, ","),
    (REGROLE_ARRAY, "_regrole", -1, 0, REGROLE, ","),
    (REGCOLLATION, "regcollation", 4, REGCOLLATION_ARRAY, 0, ","),
    (REGCOLLATION_ARRAY, "_regcollation", -1, 0, REGCOLLATION, ","),
    (INT4MULTIRANGE, "int4multirange", -1, INT4MULTIRANGE_ARRAY, 0, ","),
    (NUMMULTIRANGE, "nummultirange", -1, NUMMULTIRANGE_ARRAY, 0, ","),
    (TSMULTIRANGE, "tsmultirange", -1, TSMULTIRANGE_ARRAY, 0, ","),
    (TSTZMULTIRANGE, "tstzmultirange", -1, TSTZMULTIRANGE_ARRAY, 0, ","),
    (DATEMULTIRANGE, "datemultirange", -1, DATEMULTIRANGE_ARRAY, 0, ","),
    (INT8MULTIRANGE, "int8multirange", -1, INT8MULTIRANGE_ARRAY, 0, ","),
    (ANYMULTIRANGE, "anymultirange", -1, 0, 0, ","),
    (ANYCOMPATIBLEMULTIRANGE, "anycompatiblemultirange", -1, 0, 0, ","),
    (PG_BRIN_BLOOM_SUMMARY, "pg_brin_bloom_summary", -1, 0, 0, ","),
    (PG_BRIN_MINMAX_MULTI_SUMMARY, "pg_brin_minmax_multi_summary", -1, 0, 0, ","),
    (PG_MCV_LIST, "pg_mcv_list", -1, 0, 0, ","),
    (PG_SNAPSHOT, "pg_snapshot", -1, PG_SNAPSHOT_ARRAY, 0, ","),
    (PG_SNAPSHOT_ARRAY, "_pg_snapshot", -1, 0, PG_SNAPSHOT, ","),
    (XID8, "xid8", 8, XID8_ARRAY, 0, ","),
    (ANYCOMPATIBLE, "anycompatible", 4, 0, 0, ","),
    (ANYCOMPATIBLEARRAY, "anycompatiblearray", -1, 0, 0, ","),
    (ANYCOMPATIBLENONARRAY, "anycompatiblenonarray", 4, 0, 0, ","),
    (ANYCOMPATIBLERANGE, "anycompatiblerange", -1, 0, 0, ","),
    (INT4MULTIRANGE_ARRAY, "_int4multirange", -1, 0, INT4MULTIRANGE, ","),
    (NUMMULTIRANGE_ARRAY, "_nummultirange", -1, 0, NUMMULTIRANGE, ","),
    (TSMULTIRANGE_ARRAY, "_tsmultirange", -1, 0, TSMULTIRANGE, ","),
    (TSTZMULTIRANGE_ARRAY, "_tstzmultirange", -1, 0, TSTZMULTIRANGE, ","),
    (DATEMULTIRANGE_ARRAY, "_datemultirange", -1, 0, DATEMULTIRANGE, ","),
    (INT8MULTIRANGE_ARRAY, "_int8multirange", -1, 0, INT8MULTIRANGE, ","),
)

NAMES: dict[int, str] = {row[0]: row[1] for row in BUILTINS}
"""OID → pg_type.typname for every built-in type."""

ARRAY_OF: dict[int, int] = {row[0]: row[3] for row in BUILTINS if row[3]}
"""Element OID → its array type OID."""

ELEMENT_OF: dict[int, int] = {row[0]: row[4] for row in BUILTINS if row[4]}
"""Array OID → its element type OID."""
