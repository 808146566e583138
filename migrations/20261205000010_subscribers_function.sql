-- Who hears of a change: the tenant's active customer identities subscribed to `of_change` in
-- `in_scope`. One definition for the step-by-step path (store::subscriptions::subscribers) and
-- the one-statement 3TMS batch (store::orders::one_statement_waybills). A plain SQL function:
-- the planner inlines it into the statement that calls it.
CREATE FUNCTION hxgw_subscribers(for_tenant text, in_scope text, of_change text)
RETURNS SETOF bigint LANGUAGE sql STABLE AS $$
    SELECT s.client_id FROM event_subscriptions s JOIN clients c ON c.id = s.client_id
     WHERE c.create_by = $1 AND c.kind = 'customer' AND c.status = 'active'
       AND s.scope = $2 AND $3 = ANY(s.changes)
$$;
