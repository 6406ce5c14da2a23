-- 志愿服务 (DESIGN §6, DOMAIN §3, docs/volunteers.md). Activities with their organizer, window and volunteer-service
-- rule (code and the version current when the activity was created); volunteers (a resident who consented, with a
-- volunteer number); one attendance row per volunteer and activity (check-in, then check-out: conditional UPDATEs);
-- service records (志愿服务记录) made from an attendance or a confirmed hour claim — their recorded facts never change,
-- only status and certification move (a trigger refuses the rest); hour claims; correction requests; the star-level
-- thresholds of a community. Nothing here is ever deleted.
CREATE TABLE dbo.volunteer_settings (
    community_id    bigint        NOT NULL CONSTRAINT pk_volunteer_settings PRIMARY KEY
                                  CONSTRAINT fk_volunteer_settings_community REFERENCES dbo.communities (id),
    star_hours      nvarchar(200) NOT NULL,
    updated_at      datetime2(3)  NOT NULL,
    updated_by      nvarchar(200) NOT NULL
);

CREATE TABLE dbo.volunteers (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_volunteers PRIMARY KEY,
    community_id    bigint        NOT NULL CONSTRAINT fk_volunteers_community REFERENCES dbo.communities (id),
    resident_id     bigint        NOT NULL CONSTRAINT fk_volunteers_resident REFERENCES dbo.residents (id),
    volunteer_no    nvarchar(32)  NOT NULL,
    user_id         bigint        NULL CONSTRAINT fk_volunteers_user REFERENCES dbo.users (id),
    consent_note    nvarchar(500) NOT NULL,
    consented_on    date          NOT NULL,
    enrolled_at     datetime2(3)  NOT NULL,
    enrolled_by     nvarchar(200) NOT NULL,
    CONSTRAINT uq_volunteers_resident UNIQUE (community_id, resident_id),
    CONSTRAINT uq_volunteers_number UNIQUE (community_id, volunteer_no)
);

CREATE TABLE dbo.volunteer_activities (
    id                 bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_volunteer_activities PRIMARY KEY,
    community_id       bigint         NOT NULL CONSTRAINT fk_volunteer_activities_community REFERENCES dbo.communities (id),
    title              nvarchar(100)  NOT NULL,
    content            nvarchar(500)  NOT NULL,
    place              nvarchar(200)  NOT NULL,
    starts_at          datetime2(3)   NOT NULL,
    ends_at            datetime2(3)   NOT NULL,
    capacity           int            NULL,
    rule_code          nvarchar(64)   COLLATE Latin1_General_100_BIN2 NOT NULL,
    rule_version       int            NOT NULL,
    status             nvarchar(16)   NOT NULL CONSTRAINT ck_volunteer_activities_status
        CHECK (status IN (N'planned', N'open', N'closed', N'certified')),
    organizer_user     bigint         NULL,
    organizer          nvarchar(200)  NOT NULL,
    created_at         datetime2(3)   NOT NULL,
    closed_at          datetime2(3)   NULL,
    closed_by          nvarchar(200)  NULL,
    certified_at       datetime2(3)   NULL,
    certified_by       nvarchar(200)  NULL
);
CREATE INDEX ix_volunteer_activities_community ON dbo.volunteer_activities (community_id, starts_at);

CREATE TABLE dbo.volunteer_attendance (
    id                 bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_volunteer_attendance PRIMARY KEY,
    community_id       bigint         NOT NULL CONSTRAINT fk_volunteer_attendance_community REFERENCES dbo.communities (id),
    activity_id        bigint         NOT NULL CONSTRAINT fk_volunteer_attendance_activity REFERENCES dbo.volunteer_activities (id),
    volunteer_id       bigint         NOT NULL CONSTRAINT fk_volunteer_attendance_volunteer REFERENCES dbo.volunteers (id),
    checked_in_at      datetime2(3)   NOT NULL,
    checked_in_by      nvarchar(200)  NOT NULL,
    checked_out_at     datetime2(3)   NULL,
    checked_out_by     nvarchar(200)  NULL,
    CONSTRAINT uq_volunteer_attendance UNIQUE (activity_id, volunteer_id)
);
CREATE INDEX ix_volunteer_attendance_volunteer ON dbo.volunteer_attendance (volunteer_id, checked_out_at);

CREATE TABLE dbo.service_records (
    id                 bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_service_records PRIMARY KEY,
    community_id       bigint         NOT NULL CONSTRAINT fk_service_records_community REFERENCES dbo.communities (id),
    volunteer_id       bigint         NOT NULL CONSTRAINT fk_service_records_volunteer REFERENCES dbo.volunteers (id),
    activity_id        bigint         NOT NULL CONSTRAINT fk_service_records_activity REFERENCES dbo.volunteer_activities (id),
    service_date       date           NOT NULL,
    place              nvarchar(200)  NOT NULL,
    content            nvarchar(500)  NOT NULL,
    starts_at          datetime2(3)   NOT NULL,
    ends_at            datetime2(3)   NOT NULL,
    actual_minutes     int            NOT NULL CONSTRAINT ck_service_records_actual CHECK (actual_minutes >= 0),
    counted_minutes    int            NOT NULL CONSTRAINT ck_service_records_counted CHECK (counted_minutes >= 0),
    source             nvarchar(16)   NOT NULL CONSTRAINT ck_service_records_source CHECK (source IN (N'attendance', N'claim')),
    attendance_id      bigint         NULL CONSTRAINT fk_service_records_attendance REFERENCES dbo.volunteer_attendance (id),
    claim_id           bigint         NULL,
    supersedes_id      bigint         NULL CONSTRAINT fk_service_records_supersedes REFERENCES dbo.service_records (id),
    correction_id      bigint         NULL,
    recorded_by_user   bigint         NULL,
    recorded_by        nvarchar(200)  NOT NULL,
    recorded_at        datetime2(3)   NOT NULL,
    status             nvarchar(16)   NOT NULL CONSTRAINT ck_service_records_status CHECK (status IN (N'recorded', N'certified', N'superseded')),
    certified_by_user  bigint         NULL,
    certified_by       nvarchar(200)  NULL,
    certified_at       datetime2(3)   NULL,
    points             bigint         NULL,
    posted_seq         bigint         NULL,
    superseded_by_id   bigint         NULL,
    reversal_seq       bigint         NULL
);
CREATE INDEX ix_service_records_volunteer ON dbo.service_records (volunteer_id, status, starts_at);
CREATE INDEX ix_service_records_activity ON dbo.service_records (activity_id, status);

CREATE TABLE dbo.volunteer_hour_claims (
    id                 bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_volunteer_hour_claims PRIMARY KEY,
    community_id       bigint         NOT NULL CONSTRAINT fk_volunteer_hour_claims_community REFERENCES dbo.communities (id),
    activity_id        bigint         NOT NULL CONSTRAINT fk_volunteer_hour_claims_activity REFERENCES dbo.volunteer_activities (id),
    volunteer_id       bigint         NOT NULL CONSTRAINT fk_volunteer_hour_claims_volunteer REFERENCES dbo.volunteers (id),
    starts_at          datetime2(3)   NOT NULL,
    ends_at            datetime2(3)   NOT NULL,
    note               nvarchar(500)  NOT NULL,
    status             nvarchar(16)   NOT NULL CONSTRAINT ck_volunteer_hour_claims_status CHECK (status IN (N'submitted', N'confirmed', N'rejected')),
    submitted_by_user  bigint         NULL,
    submitted_by       nvarchar(200)  NOT NULL,
    submitted_at       datetime2(3)   NOT NULL,
    decided_by_user    bigint         NULL,
    decided_by         nvarchar(200)  NULL,
    decided_at         datetime2(3)   NULL,
    decision_reason    nvarchar(500)  NULL,
    record_id          bigint         NULL CONSTRAINT fk_volunteer_hour_claims_record REFERENCES dbo.service_records (id)
);

CREATE TABLE dbo.service_record_corrections (
    id                 bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_service_record_corrections PRIMARY KEY,
    community_id       bigint         NOT NULL CONSTRAINT fk_service_record_corrections_community REFERENCES dbo.communities (id),
    record_id          bigint         NOT NULL CONSTRAINT fk_service_record_corrections_record REFERENCES dbo.service_records (id),
    reason             nvarchar(500)  NOT NULL,
    starts_at          datetime2(3)   NULL,
    ends_at            datetime2(3)   NULL,
    status             nvarchar(16)   NOT NULL CONSTRAINT ck_service_record_corrections_status CHECK (status IN (N'requested', N'accepted', N'rejected')),
    requested_by_user  bigint         NULL,
    requested_by       nvarchar(200)  NOT NULL,
    requested_at       datetime2(3)   NOT NULL,
    decided_by_user    bigint         NULL,
    decided_by         nvarchar(200)  NULL,
    decided_at         datetime2(3)   NULL,
    decision_reason    nvarchar(500)  NULL,
    new_record_id      bigint         NULL CONSTRAINT fk_service_record_corrections_new REFERENCES dbo.service_records (id)
);
GO

CREATE TRIGGER dbo.tr_service_records_facts_fixed ON dbo.service_records
AFTER UPDATE
AS
BEGIN
    SET NOCOUNT ON;
    IF UPDATE(volunteer_id) OR UPDATE(activity_id) OR UPDATE(service_date) OR UPDATE(place) OR UPDATE(content)
       OR UPDATE(starts_at) OR UPDATE(ends_at) OR UPDATE(actual_minutes) OR UPDATE(counted_minutes) OR UPDATE(source)
       OR UPDATE(attendance_id) OR UPDATE(claim_id) OR UPDATE(supersedes_id) OR UPDATE(recorded_by) OR UPDATE(recorded_at)
        THROW 51040, N'service_records keep their recorded facts: a correction adds a new record', 1;
END;
GO

GRANT SELECT, INSERT, UPDATE ON dbo.volunteer_settings TO pointsbank_app;
GRANT SELECT, INSERT ON dbo.volunteers TO pointsbank_app;
GRANT SELECT, INSERT, UPDATE ON dbo.volunteer_activities TO pointsbank_app;
GRANT SELECT, INSERT, UPDATE ON dbo.volunteer_attendance TO pointsbank_app;
GRANT SELECT, INSERT, UPDATE ON dbo.service_records TO pointsbank_app;
GRANT SELECT, INSERT, UPDATE ON dbo.volunteer_hour_claims TO pointsbank_app;
GRANT SELECT, INSERT, UPDATE ON dbo.service_record_corrections TO pointsbank_app;
DENY DELETE ON dbo.volunteers TO pointsbank_app;
DENY DELETE ON dbo.volunteer_activities TO pointsbank_app;
DENY DELETE ON dbo.volunteer_attendance TO pointsbank_app;
DENY DELETE ON dbo.service_records TO pointsbank_app;
DENY DELETE ON dbo.volunteer_hour_claims TO pointsbank_app;
DENY DELETE ON dbo.service_record_corrections TO pointsbank_app;
GO
