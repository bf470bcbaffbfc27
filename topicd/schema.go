package topicd

// The tables are a contract: topicd writes them, and package topiclog
// (the checker's view of a live server) reads them with its own queries.
// A change that a reader would misread bumps schemaVersion.
//
//   - topics(name, head): one row per topic that holds an envelope; head is
//     its last sequence id. Publish increments it and inserts the envelope
//     in one transaction, so a topic's sequence ids are 1..head, no gap.
//   - envelopes(topic, seq, timestamp_ns, publisher, payload), primary key
//     (topic, seq).
//   - installations(registered, installation, account): registered orders
//     the registrations; a revoked installation's row is deleted.
//   - key_packages(id, installation, package): unused key packages, oldest
//     (lowest id) first; a fetch deletes the row it returns.
//   - revoked(installation): installations revoked for good.
//   - directory(version): one row; moves on every upload and revocation.
//   - schema_version(version): one row.
const schemaVersion = 1

// The statements both engines run. Placeholders are $n: PostgreSQL's form,
// which SQLite also binds by number.
const (
	// qNextSeq takes the topic's next sequence id. In PostgreSQL the
	// upsert locks the topic's row until the transaction ends, so
	// concurrent publishers on any number of servers queue per topic, and
	// a transaction that fails rolls its increment back: no gap, no
	// duplicate.
	qNextSeq = `INSERT INTO topics (name, head) VALUES ($1, 1)
		ON CONFLICT (name) DO UPDATE SET head = topics.head + 1 RETURNING head`
	qInsertEnvelope = `INSERT INTO envelopes (topic, seq, timestamp_ns, publisher, payload)
		VALUES ($1, $2, $3, $4, $5)`
	qHead  = `SELECT COALESCE((SELECT head FROM topics WHERE name = $1), 0)`
	qRange = `SELECT seq, timestamp_ns, payload FROM envelopes
		WHERE topic = $1 AND seq > $2 ORDER BY seq LIMIT $3`

	qRegister = `INSERT INTO installations (installation, account) VALUES ($1, $2)
		ON CONFLICT (installation) DO NOTHING`
	qAddKeyPackage    = `INSERT INTO key_packages (installation, package) VALUES ($1, $2)`
	qKeyPackageLeft   = `SELECT COUNT(*) FROM key_packages WHERE installation = $1`
	qInstallations    = `SELECT installation FROM installations WHERE account = $1 ORDER BY registered`
	qIsRevoked        = `SELECT COUNT(*) FROM revoked WHERE installation = $1`
	qRevoke           = `INSERT INTO revoked (installation) VALUES ($1) ON CONFLICT (installation) DO NOTHING`
	qUnregister       = `DELETE FROM installations WHERE installation = $1`
	qDropKeyPackages  = `DELETE FROM key_packages WHERE installation = $1`
	qBumpDirectory    = `UPDATE directory SET version = version + 1`
	qDirectoryVersion = `SELECT version FROM directory`

	qSchemaVersion = `SELECT COALESCE(MAX(version), 0) FROM schema_version`
	qSetVersion    = `INSERT INTO schema_version (version) VALUES ($1)`
	qInitDirectory = `INSERT INTO directory (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM directory)`
)

// sqliteSchema creates the tables in a SQLite file.
const sqliteSchema = `
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS topics (name TEXT PRIMARY KEY, head INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS envelopes (
	topic TEXT NOT NULL, seq INTEGER NOT NULL, timestamp_ns INTEGER NOT NULL,
	publisher TEXT NOT NULL, payload BLOB NOT NULL, PRIMARY KEY (topic, seq));
CREATE TABLE IF NOT EXISTS installations (
	registered INTEGER PRIMARY KEY, installation TEXT NOT NULL UNIQUE, account TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS installations_by_account ON installations (account, registered);
CREATE TABLE IF NOT EXISTS key_packages (
	id INTEGER PRIMARY KEY AUTOINCREMENT, installation TEXT NOT NULL, package BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS key_packages_by_installation ON key_packages (installation, id);
CREATE TABLE IF NOT EXISTS revoked (installation TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS directory (version INTEGER NOT NULL);
`

// postgresSchema creates the same tables in PostgreSQL.
const postgresSchema = `
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS topics (name TEXT PRIMARY KEY, head BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS envelopes (
	topic TEXT NOT NULL, seq BIGINT NOT NULL, timestamp_ns BIGINT NOT NULL,
	publisher TEXT NOT NULL, payload BYTEA NOT NULL, PRIMARY KEY (topic, seq));
CREATE TABLE IF NOT EXISTS installations (
	registered BIGSERIAL PRIMARY KEY, installation TEXT NOT NULL UNIQUE, account TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS installations_by_account ON installations (account, registered);
CREATE TABLE IF NOT EXISTS key_packages (
	id BIGSERIAL PRIMARY KEY, installation TEXT NOT NULL, package BYTEA NOT NULL);
CREATE INDEX IF NOT EXISTS key_packages_by_installation ON key_packages (installation, id);
CREATE TABLE IF NOT EXISTS revoked (installation TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS directory (version BIGINT NOT NULL);
`
