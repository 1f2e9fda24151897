-- Labels of the government list categories (fct_omraade_aar, dim_boligomraade, rpt_omraade_listekontrol).
select
    category,
    category as label_da,
    category_en as label_en,
    first_year,
    last_year,
    specificity,
    description as description_en
from {{ ref('ref_list_categories') }}
order by first_year, specificity, category
