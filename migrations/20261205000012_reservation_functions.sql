-- The one-statement outbound order (store::orders::one_statement) locks its balances and adds
-- to their reserved quantity through these two functions instead of in its own CTEs (#21).
--
-- Why: under READ COMMITTED, a row that another transaction changed after the statement
-- began is re-checked by EvalPlanQual, and PostgreSQL 15 builds a copy of the whole
-- statement's plan for that. For the order's large CTE that was 13 % of PostgreSQL's CPU in
-- out5 (perf), paid on every order that waited for a balance another order was reserving
-- from, twice: at the lock and again at the update. A VOLATILE function's statements each take
-- a fresh snapshot, so the lock re-checks only the function's small query, and the update,
-- run after the lock is held, sees the latest version and re-checks nothing.
--
-- plpgsql keeps each statement's plan for the session (generic on the gateway's sessions).
-- The lock order is unchanged: the caller runs them after its replay key and order head.

-- Locks, in id order, the balances of `items` in one warehouse and owner, and returns what
-- each has available.
CREATE FUNCTION hxgw_lock_slots(p_tenant text, p_inventory_code text, p_subbase_code text, p_items text[])
RETURNS TABLE (s_id bigint, s_item_code text, s_inventory_type text, s_batch_code text,
               s_product_date date, s_expire_date date, s_available bigint)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN QUERY
    SELECT b.id, b.item_code, b.inventory_type, b.batch_code, b.product_date, b.expire_date,
           GREATEST(b.on_hand - b.reserved, 0)
      FROM inventory_balances b
     WHERE b.tenant = p_tenant AND b.inventory_code = p_inventory_code
       AND b.subbase_code = p_subbase_code AND b.item_code = ANY(p_items)
     ORDER BY b.id
       FOR UPDATE OF b;
END
$$;

-- Adds `qtys` to the reserved quantity of the balances `ids` (repeated ids add up); returns
-- how many balances changed. The caller holds their locks (hxgw_lock_slots).
CREATE FUNCTION hxgw_add_reserved(p_ids bigint[], p_qtys bigint[]) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    changed integer;
BEGIN
    UPDATE inventory_balances b SET reserved = b.reserved + s.qty
      FROM (SELECT x.id, sum(x.qty) AS qty FROM unnest(p_ids, p_qtys) AS x(id, qty) GROUP BY x.id) s
     WHERE b.id = s.id;
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END
$$;
