"""How vrest compiles generated C (the numeric module's header says so too); no imports, so the warm path that
compiles nothing can name the flags without loading SymPy."""

__all__ = ["C_FLAGS"]

# -fno-math-errno/-fno-trapping-math: exp and log are pure, so loop-invariant ones leave the loop and the exprel
# guard becomes a select (without them gcc keeps every loop with a GHK term scalar); -fopenmp-simd: the `omp simd`
# loops use glibc's vector exp, expm1 and log. No -ffast-math: it would reassociate the series and the
# cancellations exprel avoids.
C_FLAGS = ("-std=c99", "-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", "-fopenmp-simd", "-fPIC",
           "-shared")
