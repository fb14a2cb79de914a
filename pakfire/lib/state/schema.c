/* The schema, as an ordered list of migrations: see db.h. Never edit a
 * released one; append. Migration i brings PRAGMA user_version from i to
 * i+1, in one transaction (db.c). */
#include <stddef.h>

#include "state/schema.h"

const char *const pf_schema_migrations[] = {
	/* 1: the state of a system */
	"CREATE TABLE system ("
	"  id           INTEGER PRIMARY KEY CHECK (id = 1),"
	"  series       TEXT NOT NULL,"           /* repository series, e.g. 2.25 */
	"  arch         TEXT NOT NULL,"
	"  core         INTEGER NOT NULL,"        /* core level: last update fully applied */
	"  revision     INTEGER NOT NULL DEFAULT 0," /* highest index Revision seen */
	"  index_sha256 TEXT NOT NULL DEFAULT ''" /* hash of that index */
	");"
	/* The last verified index per series/arch, exactly as signed. */
	"CREATE TABLE indexes ("
	"  series      TEXT NOT NULL,"
	"  arch        TEXT NOT NULL,"
	"  revision    INTEGER NOT NULL,"
	"  sha256      TEXT NOT NULL,"
	"  date        INTEGER NOT NULL,"
	"  valid_until INTEGER NOT NULL,"
	"  fetched_at  INTEGER NOT NULL,"
	"  signer      TEXT NOT NULL,"
	"  body        BLOB NOT NULL,"
	"  signature   BLOB NOT NULL,"
	"  PRIMARY KEY (series, arch)"
	");"
	/* Every command that changed or tried to change something. */
	"CREATE TABLE transactions ("
	"  id        INTEGER PRIMARY KEY,"
	"  command   TEXT NOT NULL,"
	"  started   INTEGER NOT NULL,"
	"  ended     INTEGER,"                     /* NULL while running or if killed */
	"  outcome   TEXT,"                        /* ok | failed | refused */
	"  exit_code INTEGER,"
	"  error     TEXT"
	");"
	/* How far each update got, in order. */
	"CREATE TABLE steps ("
	"  id             INTEGER PRIMARY KEY,"
	"  transaction_id INTEGER NOT NULL REFERENCES transactions(id),"
	"  at             INTEGER NOT NULL,"
	"  update_number  INTEGER,"
	"  step           TEXT NOT NULL,"
	"  detail         TEXT"
	");"
	"CREATE INDEX steps_by_transaction ON steps(transaction_id);"
	/* Core updates applied (or failed). */
	"CREATE TABLE updates ("
	"  number         INTEGER PRIMARY KEY,"
	"  series         TEXT NOT NULL,"
	"  applied_at     INTEGER NOT NULL,"
	"  outcome        TEXT NOT NULL,"          /* applied | failed */
	"  transaction_id INTEGER REFERENCES transactions(id)"
	");"
	/* Every path owned, as the update that installed it left it. */
	"CREATE TABLE files ("
	"  path   TEXT PRIMARY KEY,"
	"  type   TEXT NOT NULL,"                  /* file | dir | symlink */
	"  mode   INTEGER NOT NULL DEFAULT 0,"
	"  uid    INTEGER NOT NULL DEFAULT 0,"
	"  gid    INTEGER NOT NULL DEFAULT 0,"
	"  size   INTEGER NOT NULL DEFAULT 0,"
	"  sha256 TEXT,"                           /* files only */
	"  target TEXT,"                           /* symlinks only */
	"  owner  INTEGER NOT NULL"                /* core update number */
	") WITHOUT ROWID;",
	/* 2: every space check, so a refusal can be read with its figures */
	"CREATE TABLE space_checks ("
	"  id               INTEGER PRIMARY KEY,"
	"  transaction_id   INTEGER NOT NULL REFERENCES transactions(id),"
	"  at               INTEGER NOT NULL,"
	"  update_number    INTEGER NOT NULL,"
	"  mount            TEXT NOT NULL,"       /* as the user knows it: /boot */
	"  needed           INTEGER NOT NULL,"    /* bytes at the peak */
	"  available        INTEGER NOT NULL,"    /* bytes, as df shows them */
	"  reserve          INTEGER NOT NULL,"
	"  inodes_needed    INTEGER NOT NULL,"
	"  inodes_available INTEGER NOT NULL,"
	"  fits             INTEGER NOT NULL"     /* 1 or 0 */
	");",
	/* 3: the journal of the update being applied; recovery reads it */
	"CREATE TABLE journal ("
	"  update_number  INTEGER PRIMARY KEY,"
	"  transaction_id INTEGER NOT NULL REFERENCES transactions(id),"
	"  state          TEXT NOT NULL,"         /* staging | committing | committed */
	"  series         TEXT NOT NULL,"
	"  manifest       BLOB NOT NULL,"         /* the verified manifest being applied */
	"  fresh          TEXT NOT NULL DEFAULT ''," /* per manifest entry: 1 = no original */
	"  removals       TEXT NOT NULL DEFAULT ''," /* decided at commit, one path a line */
	"  started        INTEGER NOT NULL,"
	"  updated        INTEGER NOT NULL"
	");",
	/* 4: units. A transaction applies units (a core update, later an
	 * add-on), and a unit, not a core number, owns files, steps, space
	 * checks and the journal row. Core numbers become "core-N". The
	 * journal keeps the tag of its staged names: a row left by an older
	 * pakfire names them ".pakfire-N-I", so its tag is "N". */
	"CREATE TABLE units ("
	"  id             TEXT PRIMARY KEY,"       /* core-141, or an add-on's name */
	"  kind           TEXT NOT NULL CHECK (kind IN ('core', 'addon')),"
	"  number         INTEGER,"                /* core: its number */
	"  version        TEXT,"                   /* add-on: Version-Release */
	"  series         TEXT NOT NULL,"          /* the series it came from */
	"  applied_at     INTEGER NOT NULL,"
	"  outcome        TEXT NOT NULL,"          /* applied */
	"  transaction_id INTEGER REFERENCES transactions(id)"
	");"
	"INSERT INTO units (id, kind, number, series, applied_at, outcome, transaction_id)"
	"  SELECT 'core-' || number, 'core', number, series, applied_at, outcome, transaction_id"
	"  FROM updates;"
	/* A file owned by a number with no row (never written by pakfire,
	 * but a hand-made database may hold one) still gets its unit. */
	"INSERT OR IGNORE INTO units (id, kind, number, series, applied_at, outcome)"
	"  SELECT DISTINCT 'core-' || owner, 'core', owner, (SELECT series FROM system), 0, 'applied'"
	"  FROM files;"
	"DROP TABLE updates;"
	/* Readers of the old table (support scripts) keep working. */
	"CREATE VIEW updates AS SELECT number, series, applied_at, outcome, transaction_id"
	"  FROM units WHERE kind = 'core';"
	"CREATE TABLE files_v4 ("
	"  path   TEXT PRIMARY KEY,"
	"  type   TEXT NOT NULL,"                  /* file | dir | symlink */
	"  mode   INTEGER NOT NULL DEFAULT 0,"
	"  uid    INTEGER NOT NULL DEFAULT 0,"
	"  gid    INTEGER NOT NULL DEFAULT 0,"
	"  size   INTEGER NOT NULL DEFAULT 0,"
	"  sha256 TEXT,"                           /* files only */
	"  target TEXT,"                           /* symlinks only */
	"  owner  TEXT NOT NULL REFERENCES units(id)" /* the unit that installed it */
	") WITHOUT ROWID;"
	"INSERT INTO files_v4 SELECT path, type, mode, uid, gid, size, sha256, target,"
	"  'core-' || owner FROM files;"
	"DROP TABLE files;"
	"ALTER TABLE files_v4 RENAME TO files;"
	"CREATE INDEX files_by_owner ON files(owner);"
	"CREATE TABLE steps_v4 ("
	"  id             INTEGER PRIMARY KEY,"
	"  transaction_id INTEGER NOT NULL REFERENCES transactions(id),"
	"  at             INTEGER NOT NULL,"
	"  unit           TEXT,"                   /* core-141, or NULL */
	"  step           TEXT NOT NULL,"
	"  detail         TEXT"
	");"
	"INSERT INTO steps_v4 SELECT id, transaction_id, at,"
	"  CASE WHEN update_number IS NULL THEN NULL ELSE 'core-' || update_number END,"
	"  step, detail FROM steps;"
	"DROP TABLE steps;"
	"ALTER TABLE steps_v4 RENAME TO steps;"
	"CREATE INDEX steps_by_transaction ON steps(transaction_id);"
	"CREATE TABLE space_checks_v4 ("
	"  id               INTEGER PRIMARY KEY,"
	"  transaction_id   INTEGER NOT NULL REFERENCES transactions(id),"
	"  at               INTEGER NOT NULL,"
	"  unit             TEXT NOT NULL,"       /* core-141 */
	"  mount            TEXT NOT NULL,"       /* as the user knows it: /boot */
	"  needed           INTEGER NOT NULL,"    /* bytes at the peak */
	"  available        INTEGER NOT NULL,"    /* bytes, as df shows them */
	"  reserve          INTEGER NOT NULL,"
	"  inodes_needed    INTEGER NOT NULL,"
	"  inodes_available INTEGER NOT NULL,"
	"  fits             INTEGER NOT NULL"     /* 1 or 0 */
	");"
	"INSERT INTO space_checks_v4 SELECT id, transaction_id, at, 'core-' || update_number,"
	"  mount, needed, available, reserve, inodes_needed, inodes_available, fits"
	"  FROM space_checks;"
	"DROP TABLE space_checks;"
	"ALTER TABLE space_checks_v4 RENAME TO space_checks;"
	"CREATE TABLE journal_v4 ("
	"  unit           TEXT PRIMARY KEY,"      /* core-141 */
	"  tag            TEXT NOT NULL,"         /* staged names: .pakfire-TAG-I, .pakfire-old-TAG-I */
	"  transaction_id INTEGER NOT NULL REFERENCES transactions(id),"
	"  state          TEXT NOT NULL,"         /* staging | committing | committed */
	"  series         TEXT NOT NULL,"
	"  manifest       BLOB NOT NULL,"         /* the verified manifest being applied */
	"  fresh          TEXT NOT NULL DEFAULT '',"   /* per manifest entry: 1 = no original */
	"  removals       TEXT NOT NULL DEFAULT '',"   /* decided at commit, one path a line */
	"  started        INTEGER NOT NULL,"
	"  updated        INTEGER NOT NULL"
	");"
	"INSERT INTO journal_v4 SELECT 'core-' || update_number, CAST(update_number AS TEXT),"
	"  transaction_id, state, series, manifest, fresh, removals, started, updated FROM journal;"
	"DROP TABLE journal;"
	"ALTER TABLE journal_v4 RENAME TO journal;",
	/* 5: add-ons. Why one was installed (asked for, or pulled in as a
	 * dependency), what it needs (so that `remove` can refuse while an
	 * installed add-on depends on it, even when the index no longer lists
	 * it) and its summary. An add-on removed keeps its row, outcome
	 * 'removed', for the history. */
	"ALTER TABLE units ADD COLUMN reason TEXT;"        /* add-on: explicit | dependency */
	"ALTER TABLE units ADD COLUMN depends TEXT;"       /* add-on: Depends, as the index said */
	"ALTER TABLE units ADD COLUMN summary TEXT;"
	"CREATE INDEX units_by_kind ON units(kind, outcome);",
	/* 6: the folders of the unit being applied as they were before it
	 * (apply/folders.h): the ones it creates and the modes and owners it
	 * changes, so that recovery after a crash undoes them too. */
	"ALTER TABLE journal ADD COLUMN folders TEXT NOT NULL DEFAULT '';",
	/* 7: the verdict on each mount checked (docs/space.md, "Verdicts"),
	 * with the figures it rests on, so that support staff can tell a
	 * full partition from one that is too small. NULL in rows recorded
	 * before, and in figures that were not judged. */
	"ALTER TABLE space_checks ADD COLUMN verdict TEXT;"      /* fits | fits-after-freeing | fits-after-cleanup | never-fits */
	"ALTER TABLE space_checks ADD COLUMN total INTEGER;"     /* the file system's size, as df shows it */
	"ALTER TABLE space_checks ADD COLUMN usable INTEGER;"    /* the most it could give: total - root's blocks - reserve */
	"ALTER TABLE space_checks ADD COLUMN minimum INTEGER;"   /* the smallest partition the plan implies */
	"ALTER TABLE space_checks ADD COLUMN recommended INTEGER;" /* the index's Min-Partition for the mount */
	"ALTER TABLE space_checks ADD COLUMN freeable INTEGER;"  /* bytes the owner could free there */
	"ALTER TABLE space_checks ADD COLUMN freeable_list TEXT;", /* a line per item: kind TAB bytes TAB path */
	/* 8: hooks (state/hooks.h). The verified bytes of every hook an
	 * installed unit shipped, kept by their hash (so that a remove hook,
	 * a rerun and recovery run what was verified, without the package);
	 * which hooks each unit has; and every run of a hook, package or
	 * local, with its outcome and bounded output. A failed post-phase
	 * run of a package hook with `resolved` NULL blocks upgrades. */
	"CREATE TABLE hook_bodies ("
	"  sha256 BLOB PRIMARY KEY,"              /* 32 bytes: SHA-256 of the bytes */
	"  bytes  BLOB NOT NULL"                  /* the hook, as verified against its manifest;
						   * never deleted (a few KiB each), so that any
						   * recorded run can be run again */
	") WITHOUT ROWID;"
	"CREATE TABLE unit_hooks ("
	"  unit   TEXT NOT NULL,"                 /* core-141, or an add-on's name */
	"  phase  TEXT NOT NULL,"                 /* as the manifest writes it: pre, post, pre-install, ... */
	"  name   TEXT NOT NULL,"                 /* the hook's NAME in the manifest */
	"  sha256 BLOB NOT NULL REFERENCES hook_bodies(sha256)," /* its bytes */
	"  seq    INTEGER NOT NULL DEFAULT 0,"    /* its place in the manifest: hooks of a phase run in that order */
	"  PRIMARY KEY (unit, name)"
	") WITHOUT ROWID;"
	"CREATE TABLE hook_runs ("
	"  id             INTEGER PRIMARY KEY,"   /* `pakfire hook show|rerun|ack ID` */
	"  transaction_id INTEGER NOT NULL REFERENCES transactions(id)," /* the command it ran in */
	"  unit           TEXT,"                  /* the unit whose hook it is; NULL: a local hook */
	"  origin         TEXT NOT NULL CHECK (origin IN ('package', 'local')),"
	"  phase          TEXT NOT NULL,"         /* pre, post, ..., pre-transaction, post-transaction */
	"  name           TEXT NOT NULL,"         /* the manifest's NAME, or the file in hooks.d/ */
	"  sha256         BLOB,"                  /* package hooks: which bytes ran; NULL for local */
	"  state          TEXT NOT NULL,"         /* pending | running | ok | failed | killed |
						   * timeout | interrupted | refused | skipped (queued
						   * after a post hook that failed: not run) */
	"  started        INTEGER,"               /* UTC seconds; NULL while pending */
	"  ended          INTEGER,"               /* UTC seconds; NULL until it ended */
	"  duration_ms    INTEGER,"
	"  exit_code      INTEGER,"               /* NULL: none (a signal ended it, or it never ran) */
	"  signal         INTEGER,"               /* the signal that ended it, else NULL */
	"  pgid           INTEGER,"               /* running: its process group (recovery kills what is left) */
	"  start_time     INTEGER,"               /* and its leader's start time (/proc/PID/stat field 22) */
	"  boot_id        TEXT,"                  /* and the boot it ran in (/proc/sys/kernel/random/boot_id):
						   * nothing of it outlives a reboot, and after one the
						   * group id may be anyone's */
	"  output         BLOB,"                  /* stdout and stderr as kept: head, a dropped line, tail */
	"  output_total   INTEGER,"               /* bytes the hook wrote */
	"  dropped        INTEGER,"               /* bytes of them not kept */
	"  resolved       INTEGER,"               /* a failed run: NULL open, the id of the ok run
						   * that resolved it, or -1 acknowledged */
	"  rerun_of       INTEGER REFERENCES hook_runs(id)," /* a rerun: the run it repeats */
	"  acked_at       INTEGER"                /* UTC seconds of `pakfire hook ack` */
	");"
	"CREATE INDEX hook_runs_by_transaction ON hook_runs(transaction_id);"
	"CREATE INDEX hook_runs_by_hook ON hook_runs(unit, phase, name);",
	/* 9: what status and history say is true (issue 17): a dry run is
	 * recorded as one, and a reboot that a unit asked for is remembered
	 * with the boot it was asked in, until the kernel's boot id differs. */
	"ALTER TABLE transactions ADD COLUMN dry_run INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE system ADD COLUMN reboot_boot_id TEXT;" /* the boot in which a unit with
							    * Reboot: yes was applied; NULL: none pending */
	"ALTER TABLE system ADD COLUMN reboot_unit TEXT;",  /* the last such unit ("core-141") */
	/* 10: downloads (issue 18): what each mirror did last, for diagnose;
	 * the repository's published mirror list, kept with the index that
	 * vouches for it; this machine's start in that list. */
	"CREATE TABLE mirror_results ("
	"  url            TEXT PRIMARY KEY,"      /* the base URL, as configured or listed */
	"  origin         TEXT NOT NULL CHECK (origin IN ('config', 'list', 'dir')),"
	"  outcome        TEXT NOT NULL,"         /* ok | unreachable | http-error | timeout |
						   * too-slow | tls | redirect | verify |
						   * not-repository | stale */
	"  detail         TEXT,"                  /* the last failure's message */
	"  revision       INTEGER,"               /* the index Revision it served last, NULL unknown */
	"  attempted      INTEGER NOT NULL,"      /* UTC seconds of the last run that used it */
	"  last_ok        INTEGER,"               /* UTC seconds it last served a verified file */
	"  errors         INTEGER NOT NULL DEFAULT 0," /* failures in a row at the end of that run */
	"  transaction_id INTEGER REFERENCES transactions(id)"
	") WITHOUT ROWID;"
	"ALTER TABLE indexes ADD COLUMN mirror_list BLOB;" /* the verified `Mirrors` file, or NULL */
	"ALTER TABLE system ADD COLUMN mirror_seed INTEGER;", /* random, set once: where this
							      * machine starts in the list */
	/* 11: diagnose (issue 19): the cause of a run that did not end ok,
	 * recorded where the failure was found (docs/diagnose.md), so that
	 * diagnose never guesses it from the message. */
	"ALTER TABLE transactions ADD COLUMN cause TEXT;", /* signature | hash | expired | rollback |
							    * space | never-fits | hook | download |
							    * interrupted | lock | failed; NULL: ok */
};

const size_t pf_schema_count = sizeof(pf_schema_migrations) / sizeof(pf_schema_migrations[0]);
