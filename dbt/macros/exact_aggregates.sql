{#- Aggregates of floating-point values whose result does not depend on the order rows
    arrive in. A parallel sum of doubles adds them in whatever order the threads finish,
    so its last bits differ from one build to the next; the same inputs must give the same
    published bytes. Each value is rounded to `scale` decimals (far below any published
    precision) and summed exactly as a DECIMAL, which is order-independent; only the
    final division happens in floating point.

    exact_sum(x)       sum of x
    exact_avg(x)       mean of the non-null x (NULL without any)
    exact_var_samp(x)  sample variance, from the exact sums of x and x*x (NULL below 2 values)
    exact_stddev_samp(x)
-#}

{% macro exact_sum(expr, scale=12) -%}
    cast(sum(cast({{ expr }} as decimal(38, {{ scale }}))) as double)
{%- endmacro %}

{% macro exact_avg(expr) -%}
    ({{ exact_sum(expr) }} / nullif(count({{ expr }}), 0))
{%- endmacro %}

{% macro exact_var_samp(expr) -%}
    (case when count({{ expr }}) > 1 then
        greatest(({{ exact_sum('(' ~ expr ~ ') * (' ~ expr ~ ')', 10) }}
                  - {{ exact_sum(expr) }} * {{ exact_sum(expr) }} / count({{ expr }})) / (count({{ expr }}) - 1), 0)
    end)
{%- endmacro %}

{% macro exact_stddev_samp(expr) -%}
    sqrt({{ exact_var_samp(expr) }})
{%- endmacro %}
