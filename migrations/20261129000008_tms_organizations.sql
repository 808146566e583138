-- A 3TMS shipper's organisation tree (/organization/list): nodes with an id, a name and a
-- path ("0-11"); waybills name theirs by path. Set through the ops API.
CREATE TABLE tms_organizations (
    tenant     TEXT NOT NULL,
    node_id    BIGINT NOT NULL,
    name       TEXT NOT NULL,
    path       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, node_id),
    CONSTRAINT tms_organizations_path_key UNIQUE (tenant, path)
);
