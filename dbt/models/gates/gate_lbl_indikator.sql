-- The frame of suite lbl_indikator: every indicator's labels, as published.
select *
from {{ ref('lbl_indikator') }}
