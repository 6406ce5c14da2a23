-- 志愿服务 (DESIGN §6, DOMAIN §3, docs/volunteers.md). Activities with their organizer, window and volunteer-service
-- rule (code and the version current when the activity was created); volunteers (a resident who consented, with a
-- volunteer number); one attendance row per volunteer and activity (check-in, then check-out: conditional UPDATEs);
-- service records (志愿服务记录) made from an attendance or a confirmed hour claim — their recorded facts never change,
-- only status and certification move (a trigger refuses the rest); hour claims; correction requests; the star-level
-- thresholds of a community. Nothing here is ever deleted.
CREATE TABLE volunteer_settings (
    community_id    INTEGER PRIMARY KEY REFERENCES communities (id),
    star_hours      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    updated_by      TEXT    NOT NULL
);

CREATE TABLE volunteers (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities (id),
    resident_id     INTEGER NOT NULL REFERENCES residents (id),
    volunteer_no    TEXT    NOT NULL,
    user_id         INTEGER NULL REFERENCES users (id),
    consent_note    TEXT    NOT NULL,
    consented_on    TEXT    NOT NULL,
    enrolled_at     TEXT    NOT NULL,
    enrolled_by     TEXT    NOT NULL,
    UNIQUE (community_id, resident_id),
    UNIQUE (community_id, volunteer_no)
);

CREATE TABLE volunteer_activities (
    id                 INTEGER PRIMARY KEY,
    community_id       INTEGER NOT NULL REFERENCES communities (id),
    title              TEXT    NOT NULL,
    content            TEXT    NOT NULL,
    place              TEXT    NOT NULL,
    starts_at          TEXT    NOT NULL,
    ends_at            TEXT    NOT NULL,
    capacity           INTEGER NULL,
    rule_code          TEXT    NOT NULL,
    rule_version       INTEGER NOT NULL,
    status             TEXT    NOT NULL CHECK (status IN ('planned', 'open', 'closed', 'certified')),
    organizer_user     INTEGER NULL,
    organizer          TEXT    NOT NULL,
    created_at         TEXT    NOT NULL,
    closed_at          TEXT    NULL,
    closed_by          TEXT    NULL,
    certified_at       TEXT    NULL,
    certified_by       TEXT    NULL
);
CREATE INDEX ix_volunteer_activities_community ON volunteer_activities (community_id, starts_at);

CREATE TABLE volunteer_attendance (
    id                 INTEGER PRIMARY KEY,
    community_id       INTEGER NOT NULL REFERENCES communities (id),
    activity_id        INTEGER NOT NULL REFERENCES volunteer_activities (id),
    volunteer_id       INTEGER NOT NULL REFERENCES volunteers (id),
    checked_in_at      TEXT    NOT NULL,
    checked_in_by      TEXT    NOT NULL,
    checked_out_at     TEXT    NULL,
    checked_out_by     TEXT    NULL,
    UNIQUE (activity_id, volunteer_id)
);
CREATE INDEX ix_volunteer_attendance_volunteer ON volunteer_attendance (volunteer_id, checked_out_at);

CREATE TABLE service_records (
    id                 INTEGER PRIMARY KEY,
    community_id       INTEGER NOT NULL REFERENCES communities (id),
    volunteer_id       INTEGER NOT NULL REFERENCES volunteers (id),
    activity_id        INTEGER NOT NULL REFERENCES volunteer_activities (id),
    service_date       TEXT    NOT NULL,
    place              TEXT    NOT NULL,
    content            TEXT    NOT NULL,
    starts_at          TEXT    NOT NULL,
    ends_at            TEXT    NOT NULL,
    actual_minutes     INTEGER NOT NULL CHECK (actual_minutes >= 0),
    counted_minutes    INTEGER NOT NULL CHECK (counted_minutes >= 0),
    source             TEXT    NOT NULL CHECK (source IN ('attendance', 'claim')),
    attendance_id      INTEGER NULL REFERENCES volunteer_attendance (id),
    claim_id           INTEGER NULL,
    supersedes_id      INTEGER NULL REFERENCES service_records (id),
    correction_id      INTEGER NULL,
    recorded_by_user   INTEGER NULL,
    recorded_by        TEXT    NOT NULL,
    recorded_at        TEXT    NOT NULL,
    status             TEXT    NOT NULL CHECK (status IN ('recorded', 'certified', 'superseded')),
    certified_by_user  INTEGER NULL,
    certified_by       TEXT    NULL,
    certified_at       TEXT    NULL,
    points             INTEGER NULL,
    posted_seq         INTEGER NULL,
    superseded_by_id   INTEGER NULL,
    reversal_seq       INTEGER NULL
);
CREATE INDEX ix_service_records_volunteer ON service_records (volunteer_id, status, starts_at);
CREATE INDEX ix_service_records_activity ON service_records (activity_id, status);

CREATE TABLE volunteer_hour_claims (
    id                 INTEGER PRIMARY KEY,
    community_id       INTEGER NOT NULL REFERENCES communities (id),
    activity_id        INTEGER NOT NULL REFERENCES volunteer_activities (id),
    volunteer_id       INTEGER NOT NULL REFERENCES volunteers (id),
    starts_at          TEXT    NOT NULL,
    ends_at            TEXT    NOT NULL,
    note               TEXT    NOT NULL,
    status             TEXT    NOT NULL CHECK (status IN ('submitted', 'confirmed', 'rejected')),
    submitted_by_user  INTEGER NULL,
    submitted_by       TEXT    NOT NULL,
    submitted_at       TEXT    NOT NULL,
    decided_by_user    INTEGER NULL,
    decided_by         TEXT    NULL,
    decided_at         TEXT    NULL,
    decision_reason    TEXT    NULL,
    record_id          INTEGER NULL REFERENCES service_records (id)
);

CREATE TABLE service_record_corrections (
    id                 INTEGER PRIMARY KEY,
    community_id       INTEGER NOT NULL REFERENCES communities (id),
    record_id          INTEGER NOT NULL REFERENCES service_records (id),
    reason             TEXT    NOT NULL,
    starts_at          TEXT    NULL,
    ends_at            TEXT    NULL,
    status             TEXT    NOT NULL CHECK (status IN ('requested', 'accepted', 'rejected')),
    requested_by_user  INTEGER NULL,
    requested_by       TEXT    NOT NULL,
    requested_at       TEXT    NOT NULL,
    decided_by_user    INTEGER NULL,
    decided_by         TEXT    NULL,
    decided_at         TEXT    NULL,
    decision_reason    TEXT    NULL,
    new_record_id      INTEGER NULL REFERENCES service_records (id)
);

CREATE TRIGGER tr_service_records_facts_fixed BEFORE UPDATE OF volunteer_id, activity_id, service_date, place, content, starts_at, ends_at,
    actual_minutes, counted_minutes, source, attendance_id, claim_id, supersedes_id, recorded_by, recorded_at ON service_records
BEGIN SELECT RAISE(ABORT, 'service_records keep their recorded facts: a correction adds a new record'); END;
CREATE TRIGGER tr_service_records_no_delete BEFORE DELETE ON service_records
BEGIN SELECT RAISE(ABORT, 'service_records are never deleted'); END;
CREATE TRIGGER tr_volunteer_attendance_no_delete BEFORE DELETE ON volunteer_attendance
BEGIN SELECT RAISE(ABORT, 'volunteer_attendance is never deleted'); END;
CREATE TRIGGER tr_volunteer_hour_claims_no_delete BEFORE DELETE ON volunteer_hour_claims
BEGIN SELECT RAISE(ABORT, 'volunteer_hour_claims are never deleted'); END;
CREATE TRIGGER tr_service_record_corrections_no_delete BEFORE DELETE ON service_record_corrections
BEGIN SELECT RAISE(ABORT, 'service_record_corrections are never deleted'); END;
