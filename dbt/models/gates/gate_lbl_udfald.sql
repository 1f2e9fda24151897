-- The frame of suite lbl_udfald: every outcome's labels, as published.
select *
from {{ ref('lbl_udfald') }}
