-- The frame of suite lbl_aktivitet: every activity's labels, with whether its age range
-- is in order.
select
    *,
    min_age <= max_age as ages_in_order
from {{ ref('lbl_aktivitet') }}
