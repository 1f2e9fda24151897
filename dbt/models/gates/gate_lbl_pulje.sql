-- The frame of suite lbl_pulje: every funding round's labels, with whether its dates are
-- in order.
select
    *,
    earliest_start <= latest_start and latest_start <= latest_end as dates_in_order
from {{ ref('lbl_pulje') }}
