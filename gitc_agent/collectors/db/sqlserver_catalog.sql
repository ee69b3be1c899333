/* gitc-agent: SQL Server catalog for the database user-management checks (read-only).

   Run by a DBA (VIEW SERVER STATE / VIEW ANY DEFINITION, or sysadmin for a complete read) and
   hand the output file to the auditor:

     sqlcmd -S SERVER -E -f 65001 -s "|" -W -i sqlserver_catalog.sql -o catalog.txt

   Every result set is preceded by a one-row marker set (result_set = 'gitc:<name>'), so the one
   file carries all of them. Nothing is changed on the server; no password hash is selected (only
   whether one is set). Alternatively save each grid in SSMS ("Save Results As", with column
   headers) as <name>.csv in one folder. docs/databases.md lists every column. */
SET NOCOUNT ON;

SELECT 'gitc:server' AS result_set;
SELECT @@SERVERNAME AS server_name,
       CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS version,
       CAST(SERVERPROPERTY('Edition') AS nvarchar(128)) AS edition;

SELECT 'gitc:server_principals' AS result_set;
SELECT sp.name, sp.type, sp.is_disabled, CONVERT(varchar(200), sp.sid, 1) AS sid,
       sl.is_policy_checked, sl.is_expiration_checked,
       CASE WHEN sl.principal_id IS NULL THEN NULL
            WHEN sl.password_hash IS NULL THEN 0 ELSE 1 END AS password_set
FROM sys.server_principals AS sp
LEFT JOIN sys.sql_logins AS sl ON sl.principal_id = sp.principal_id
WHERE sp.type IN ('S', 'U', 'G', 'R', 'C', 'K') AND sp.name NOT LIKE '##%';

SELECT 'gitc:server_role_members' AS result_set;
SELECT r.name AS role, m.name AS member
FROM sys.server_role_members AS rm
JOIN sys.server_principals AS r ON r.principal_id = rm.role_principal_id
JOIN sys.server_principals AS m ON m.principal_id = rm.member_principal_id;

SELECT 'gitc:server_permissions' AS result_set;
SELECT pr.name AS principal, pe.permission_name AS permission, pe.state_desc AS state
FROM sys.server_permissions AS pe
JOIN sys.server_principals AS pr ON pr.principal_id = pe.grantee_principal_id
WHERE pe.permission_name IN ('CONTROL SERVER', 'ALTER ANY LOGIN', 'ALTER ANY SERVER ROLE',
                             'IMPERSONATE ANY LOGIN', 'ALTER ANY SERVER AUDIT')
  AND pe.state IN ('G', 'W');

SELECT 'gitc:databases' AS result_set;
SELECT d.name, SUSER_SNAME(d.owner_sid) AS owner, d.state_desc AS state
FROM sys.databases AS d;

SELECT 'gitc:server_audits' AS result_set;
SELECT a.name, a.is_state_enabled AS enabled, a.type_desc AS destination,
       f.log_file_path AS file_path
FROM sys.server_audits AS a
LEFT JOIN sys.server_file_audits AS f ON f.audit_guid = a.audit_guid;

SELECT 'gitc:server_audit_specifications' AS result_set;
SELECT s.name, a.name AS audit, s.is_state_enabled AS enabled, d.audit_action_name AS action
FROM sys.server_audit_specifications AS s
LEFT JOIN sys.server_audits AS a ON a.audit_guid = s.audit_guid
LEFT JOIN sys.server_audit_specification_details AS d
       ON d.server_specification_id = s.server_specification_id;

/* Per database (online ones): users, role members, guest CONNECT, audit specifications. */
CREATE TABLE #users (database_name sysname, name sysname, type char(1), login sysname NULL,
                     orphaned bit);
CREATE TABLE #members (database_name sysname, role sysname, member sysname);
CREATE TABLE #guest (database_name sysname, guest_connect bit);
CREATE TABLE #dbspecs (database_name sysname, name sysname, audit sysname NULL, enabled bit,
                       action nvarchar(128) NULL, class nvarchar(60) NULL,
                       object sysname NULL, principal sysname NULL);
DECLARE @db sysname, @sql nvarchar(max);
DECLARE dbs CURSOR LOCAL FAST_FORWARD FOR
    SELECT name FROM sys.databases WHERE state = 0 AND HAS_DBACCESS(name) = 1;
OPEN dbs;
FETCH NEXT FROM dbs INTO @db;
WHILE @@FETCH_STATUS = 0
BEGIN
    SET @sql = N'USE ' + QUOTENAME(@db) + N';
    INSERT #users SELECT DB_NAME(), dp.name, dp.type, sp.name,
        CASE WHEN sp.sid IS NULL AND dp.authentication_type IN (1, 3) THEN 1 ELSE 0 END
    FROM sys.database_principals AS dp
    LEFT JOIN sys.server_principals AS sp ON sp.sid = dp.sid
    WHERE dp.type IN (''S'', ''U'', ''G'') AND dp.principal_id > 4;
    INSERT #members SELECT DB_NAME(), r.name, m.name
    FROM sys.database_role_members AS rm
    JOIN sys.database_principals AS r ON r.principal_id = rm.role_principal_id
    JOIN sys.database_principals AS m ON m.principal_id = rm.member_principal_id;
    INSERT #guest SELECT DB_NAME(), CASE WHEN EXISTS (SELECT 1 FROM sys.database_permissions
        WHERE grantee_principal_id = DATABASE_PRINCIPAL_ID(''guest'')
          AND permission_name = ''CONNECT'' AND state IN (''G'', ''W'')) THEN 1 ELSE 0 END;
    INSERT #dbspecs SELECT DB_NAME(), s.name, a.name, s.is_state_enabled, d.audit_action_name,
        d.class_desc,
        CASE d.class WHEN 1 THEN OBJECT_NAME(d.major_id) WHEN 3 THEN SCHEMA_NAME(d.major_id) END,
        USER_NAME(d.audited_principal_id)
    FROM sys.database_audit_specifications AS s
    LEFT JOIN sys.server_audits AS a ON a.audit_guid = s.audit_guid
    LEFT JOIN sys.database_audit_specification_details AS d
           ON d.database_specification_id = s.database_specification_id;';
    EXEC sys.sp_executesql @sql;
    FETCH NEXT FROM dbs INTO @db;
END;
CLOSE dbs;
DEALLOCATE dbs;

SELECT 'gitc:database_users' AS result_set;
SELECT database_name, name, type, login, orphaned FROM #users;
SELECT 'gitc:database_role_members' AS result_set;
SELECT database_name, role, member FROM #members;
SELECT 'gitc:database_guest' AS result_set;
SELECT database_name, guest_connect FROM #guest;
SELECT 'gitc:database_audit_specifications' AS result_set;
SELECT database_name, name, audit, enabled, action, class, object, principal FROM #dbspecs;
DROP TABLE #users, #members, #guest, #dbspecs;
