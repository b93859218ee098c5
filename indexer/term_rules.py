"""Which pyvi words may be a document's terms (significant terms, keywords): the rules as data.

Words are compared lower-cased, tone-normalised, syllables joined by "_"
(as :func:`indexer.analysis.word_terms` writes them).  A stopword is never a
term and never part of one; a boilerplate phrase (portal furniture, the
frame of every report) is never a term but may sit inside a longer one.
"""
from __future__ import annotations

# Function words and connectives of one or more syllables.
STOPWORDS: frozenset[str] = frozenset(w.replace(" ", "_") for w in """
và của các những là được có cho với trong theo để này đó khi đã sẽ đang cũng như từ tại về ra vào lên ở
đối_với thông_qua bao_gồm gồm nhằm_mục_đích
một hai ba bốn năm sáu bảy tám chín mười nhiều mỗi mọi cả rất hơn nhất chỉ còn vẫn đều thì mà nên nhưng
hay hoặc nếu vì do bởi qua trên dưới sau trước giữa ngoài bị vừa mới lại đến tới không chưa gì ai nào
ấy này kia đây đấy thế vậy rồi thêm bằng cùng nhau chúng_ta chúng_tôi họ mình ông bà anh chị em tôi
đồng_thời tuy_nhiên bên_cạnh ngoài_ra vì_vậy do_đó theo_đó trong_đó bởi_vì cho_nên nhằm với_việc
hiện_nay vừa_qua thời_gian thời_điểm năm_nay tháng_năm ngày_nay hằng_năm hàng_năm trong_năm
một_số các_cấp các_ngành nhiều_nơi tất_cả toàn_bộ nói_chung cụ_thể nhất_là đặc_biệt chủ_yếu
thực_hiện tổ_chức triển_khai tiếp_tục tăng_cường đẩy_mạnh nâng_cao góp_phần tạo_điều_kiện
có_thể cần_phải phải_có được_biết cho_biết cho_rằng nhận_thấy khẳng_định nhấn_mạnh phát_biểu
kết_quả vấn_đề nội_dung hoạt_động trường_hợp biện_pháp giải_pháp nhiệm_vụ mục_tiêu
đồng_chí ông_bà anh_chị bà_con người_dân
""".split())

# Never a term on their own: bylines, portal furniture, the frame of every report.
BOILERPLATE: frozenset[str] = frozenset(w.replace(" ", "_") for w in """
bài_viết tin_bài tin_tức bài_và_ảnh xem_thêm bản_quyền trang_chủ liên_hệ chia_sẻ bình_luận đăng_nhập
cổng_thông_tin trang_thông_tin điện_tử thông_tin tác_giả phóng_viên nguồn_tin quay_lại in_bài
báo_cáo kế_hoạch hướng_dẫn công_văn văn_bản quyết_định nghị_quyết chỉ_thị thông_báo
""".split())

MAX_SYLLABLES = 4  # longer runs are sentences, not terms
MAX_TEXT_CHARS = 4_000  # of a document's text segmented (with its title): pyvi is most of the index-time cost; 90 % of a news corpus' text
MAX_STORED_TERMS = 64  # per document, the most frequent, kept for significant-terms candidates and keywords
KEYWORDS = 10  # per document, by tf x idf: on its page, in exports, and as a facet
BACKGROUND_DOCS = 500  # documents sampled for the document frequencies keywords are weighed against
