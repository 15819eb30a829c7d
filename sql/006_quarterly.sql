-- 006_quarterly.sql: the quarterly review of a plan (docs/metrics.md): per item and per lead
-- agency, the quarter's feedback, satisfaction, answer rate, overdue feedback, and the
-- change against the quarter before. Built from the satisfaction and response figures.
CREATE OR REPLACE FUNCTION pakn_quarterly(p_plan text, p_quarter date, p_today date,
                                          p_min integer)
RETURNS TABLE (level text, code text, title text, count bigint, mean numeric, csat numeric,
               insufficient_data boolean, answer_rate numeric, overdue bigint,
               previous_count bigint, previous_mean numeric, previous_csat numeric,
               count_change bigint, mean_change numeric, csat_change numeric)
LANGUAGE sql STABLE AS $$
    WITH q AS (
        SELECT p_quarter AS q_from, (p_quarter + interval '3 months' - interval '1 day')::date AS q_to,
               (p_quarter - interval '3 months')::date AS p_from, (p_quarter - 1) AS p_to),
    lv AS (SELECT unnest(ARRAY['item', 'agency']) AS level)
    SELECT lv.level, s.group_code, s.group_title, s.count, s.mean, s.csat, s.insufficient_data,
           r.answer_rate, coalesce(r.action_overdue + r.answer_overdue, 0),
           coalesce(ps.count, 0), ps.mean, ps.csat,
           s.count - coalesce(ps.count, 0), s.mean - ps.mean, s.csat - ps.csat
    FROM lv, q
    CROSS JOIN LATERAL pakn_satisfaction(lv.level, 'quarter', p_plan, q.q_from, q.q_to, p_min) s
    LEFT JOIN LATERAL pakn_satisfaction(lv.level, 'quarter', p_plan, q.p_from, q.p_to, p_min) ps
           ON ps.group_code = s.group_code
    LEFT JOIN LATERAL pakn_responses(lv.level, p_plan, q.q_from, q.q_to, least(q.q_to, p_today)) r
           ON r.group_code = s.group_code
    ORDER BY lv.level DESC, s.group_code
$$;
