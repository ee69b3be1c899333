-- gitc-agent: SQL Server Audit rows for datafix.audit_log (log_format: sqlserver_audit).
--
-- A DBA runs this on the audited instance and hands over the result set as CSV, e.g.
--   sqlcmd -S SERVER -E -i sqlserver_audit.sql -o sql-audit.csv -s";" -W -h -1 -f 65001
--   (then prepend the header line below), or SSMS "Save Results As..." with headers.
-- Set the audit file path and the period. The columns are what gitc-agent's
-- `sqlserver_audit` format reads; the statement text is deliberately NOT selected: it can
-- hold passwords (CREATE LOGIN ... PASSWORD) and gitc-agent never needs it.
--
-- Header: event_time;action_id;server_principal_name;database_name;object_name;session_id;ticket_ref

SET NOCOUNT ON;
DECLARE @audit_files nvarchar(260) = N'D:\Audit\DatafixAudit*.sqlaudit';  -- the audit's files
DECLARE @from datetime2 = '2026-01-01', @until datetime2 = '2027-01-01';   -- UTC

SELECT
    CONVERT(varchar(19), event_time, 126) + 'Z'                     AS event_time,  -- UTC
    RTRIM(action_id)                                                AS action_id,
    server_principal_name,
    database_name,
    CONCAT_WS('.', NULLIF(schema_name, ''), NULLIF(object_name, '')) AS object_name,
    session_id,
    -- the ticket reference, if sessions carry it (SQL Server 2022+: application_name),
    -- otherwise leave it empty: changes are then matched by executor and time
    ''                                                              AS ticket_ref
FROM sys.fn_get_audit_file(@audit_files, DEFAULT, DEFAULT)
WHERE event_time >= @from AND event_time < @until
  AND succeeded = 1
ORDER BY event_time, sequence_number;
