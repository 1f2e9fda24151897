-- The frame of suite lbl_listekategori: every list category's labels, with whether its
-- years are in order.
select
    *,
    first_year <= last_year as years_in_order
from {{ ref('lbl_listekategori') }}
